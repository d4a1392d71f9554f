// How wide a string is on the terminal, for Ink and its text helpers in the bundle (scripts/build.ts points their
// `string-width` here). string-width 8 segments every string into grapheme clusters and tests /v emoji
// properties: its first call costs ~40 ms and each later one ~0.15 ms, which the wizard paid on every frame.
// fast-string-width gives the same widths for what berth draws (test/wizard/string-width.test.ts) in a
// fraction of that.
import fastStringWidth from 'fast-string-width';

/** string-width's signature: 0 for anything but a non-empty string; ANSI escapes and tabs take no columns. */
export default function stringWidth(text: unknown): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  return fastStringWidth(text, { tabWidth: 0 });
}
