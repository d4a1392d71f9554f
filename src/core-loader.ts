// Loads the bulk of berth. In development it is a plain import; the build replaces this module with one that
// loads the core from inside the single bundle file only when needed (see scripts/build.ts).
export function loadCore(): Promise<typeof import('./main.js')> {
  return import('./main.js');
}
