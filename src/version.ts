// berth's version: injected by the build, read from package.json in development.
import { readFileSync } from 'node:fs';

declare const __BERTH_VERSION__: string | undefined;

export function berthVersion(): string {
  if (typeof __BERTH_VERSION__ === 'string') return __BERTH_VERSION__;
  const pkg = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}
