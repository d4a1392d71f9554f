// Writes and reads `.env` files so that docker compose reads back exactly the bytes berth wrote.
// Compose's dotenv: single quotes are literal; double quotes expand escapes and ${VAR}; bare values
// end at " #" and expand ${VAR}. So berth only writes forms whose meaning is unambiguous.

const BARE = /^[A-Za-z0-9_./:@,+=-]*$/;

/** Why a value cannot be stored in `.env` verbatim, or undefined when it can. */
export function checkDotenvValue(value: string): string | undefined {
  if (/[\r\n\0]/.test(value)) return 'must be a single line';
  // Compose's .env reader takes a backslash before the closing quote as escaping it: the value never ends.
  if (value.endsWith('\\')) return 'cannot end with a backslash (it would escape the closing quote in .env)';
  if (value.includes("'") && /["\\$`]/.test(value)) {
    return 'cannot contain a single quote together with " \\ $ or ` (it could not be stored in .env verbatim)';
  }
  return undefined;
}

export function quoteDotenv(value: string): string {
  const problem = checkDotenvValue(value);
  if (problem) throw new Error(`value ${problem}`);
  if (BARE.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value}"`;
}

export interface DotenvEntry {
  name: string;
  value: string;
}

export function formatDotenv(
  sections: { comment?: string; entries: DotenvEntry[] }[],
  header: string,
): string {
  const out = header
    .trimEnd()
    .split('\n')
    .map((l) => `# ${l}`.trimEnd());
  for (const section of sections) {
    if (section.entries.length === 0) continue;
    out.push('');
    if (section.comment) out.push(`# ${section.comment}`);
    for (const { name, value } of section.entries) out.push(`${name}=${quoteDotenv(value)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Reads the forms `formatDotenv` writes (and plain KEY=value lines). */
export function parseDotenv(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, name, rest] = match as unknown as [string, string, string];
    const quoted = /^(['"])(.*)\1$/.exec(rest);
    result[name] = quoted ? quoted[2]! : rest.replace(/\s+#.*$/, '');
  }
  return result;
}
