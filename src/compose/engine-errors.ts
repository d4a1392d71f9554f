// One reading of the docker CLI's words for "the engine is out of reach", shared by detection, status and the
// other commands, and the failure diagnosis, so they never disagree about what a message means.

/** The engine is not running, or nothing answers where DOCKER_HOST points. */
export const ENGINE_DOWN =
  /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix [^:]+: connect: (no such file|connection refused)/i;

export type EngineProblem = 'permission-denied' | 'not-running';

/** What stops the docker CLI reaching the engine, going by its message; undefined when it says neither. */
export function engineProblem(message: string): EngineProblem | undefined {
  if (/permission denied/i.test(message)) return 'permission-denied';
  if (ENGINE_DOWN.test(message)) return 'not-running';
  return undefined;
}
