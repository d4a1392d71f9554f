// The bundle measures text for Ink with src/wizard/string-width.ts instead of string-width: same widths, table-driven,
// for what berth draws (marks, box and arrow glyphs, CJK, emoji, ANSI colours, a typed secret's dots).
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import fastWidth from '../../src/wizard/string-width.js';

const samples = [
  '',
  'plain ASCII text',
  '✔ Docker engine  20.10.24 at unix:///var/run/docker.sock',
  '✖ ! · i ❯ • — … ─ │ ┌ ┐ └ ┘ ▸ ▾ ◉ ◯',
  'Enter accept · Ctrl-U clear · Esc back · Ctrl-C quit',
  '\u001b[1mbold\u001b[22m and \u001b[36mcyan\u001b[39m',
  'Größe, café, naïve, Ærøskøbing',
  '日本語のテキスト',
  '한국어 텍스트',
  '中文 mixed with ASCII',
  '👍 thumbs, 🚀 rocket, 🇩🇪 flag',
  '👨‍👩‍👧 family',
  '•••••••••••••',
  'e\u0301 combining accent',
  'tab\tinside',
];

describe("the bundle's string width", () => {
  it.each(samples.map((s) => [JSON.stringify(s), s]))('%s is as wide as string-width says', (_name, text) => {
    expect(fastWidth(text)).toBe(stringWidth(text));
  });

  it('is 0 for anything but a non-empty string, as string-width is', () => {
    expect(fastWidth(undefined)).toBe(0);
    expect(fastWidth(42)).toBe(0);
  });
});
