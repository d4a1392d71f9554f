// Everything behind the command line's fast path (--version, --help): loaded only when a command runs.
export { run } from './run.js';
export { reportError } from './report-error.js';
