// How berth echoes a value in a message: quoted, with control and invisible characters escaped (an answer must not
// drive the terminal: ESC/OSC sequences, CR, bidi overrides), and shortened past 60 characters, so a long value
// is printed once and readably.

/** C0 (but tab), DEL, C1, bidi controls and marks, zero-width characters, line and paragraph separators, BOM. */
export const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const escape = (c: string) =>
  c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Escapes what a terminal would act on or hide; everything else (tabs, accents, CJK, emoji) stays as it is. */
export const terminalSafe = (text: string): string => text.replace(INVISIBLE, escape);

const LIMIT = 60;

export function shown(value: string): string {
  const chars = Array.from(value);
  const short = chars.length > LIMIT ? `${chars.slice(0, 40).join('')}…` : value;
  const quoted = `"${terminalSafe(short)}"`;
  return chars.length > LIMIT ? `${quoted} (${chars.length} characters)` : quoted;
}

/**
 * A file's text, refusing bytes that are not UTF-8 (Node would turn them into U+FFFD without a word): the text, or
 * the offset of the byte where the bad sequence shows.
 */
export function utf8Text(bytes: Uint8Array): { text: string } | { badByte: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    // Only on the error path: feed the bytes one by one to find where.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < bytes.length; i++) {
      try {
        decoder.decode(bytes.subarray(i, i + 1), { stream: true });
      } catch {
        return { badByte: i };
      }
    }
    return { badByte: bytes.length }; // a sequence cut off at the end
  }
}

/** Why a value Node decoded holds U+FFFD: almost always bytes that were not UTF-8 where it came from. */
export const NOT_UTF8 =
  'is not valid UTF-8 text (it holds bytes that are not UTF-8, or U+FFFD standing in for them)';
