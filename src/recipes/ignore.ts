// A recipe's `ignore` list: files of the recipe folder that are not copied into the install folder.

/** Whether `rel` is ignored: named exactly, or under a folder written with a trailing `/`. */
export const isIgnored = (rel: string, ignore: readonly string[]): boolean =>
  ignore.some((p) => (p.endsWith('/') ? rel.startsWith(p) || `${rel}/` === p : rel === p));
