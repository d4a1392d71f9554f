// Linux /proc readings for the bench: a process's own CPU time (all its threads, not its children) and its
// children, found by parent pid. No dependencies, no spawning: cheap enough to poll every few milliseconds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const hasProc = existsSync('/proc/self/stat');

/** Clock ticks per second of the utime/stime fields (USER_HZ, almost always 100). */
export const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** { state, ppid, cpuTicks } from /proc/<pid>/stat, or undefined once the process is gone. */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), utime and stime: the whole thread group, live and exited threads.
  return { state: f[0], ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Live children of pid whose command line satisfies match (one pass over /proc). */
export function findChild(ppid, match) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat?.ppid !== ppid || stat.state === 'Z') continue;
    const argv = cmdline(name);
    if (argv && match(argv)) return Number(name);
  }
  return undefined;
}

/** The first live process below root (any depth) whose command line satisfies match. */
export function findDescendant(root, match) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (!stat || stat.state === 'Z') continue;
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(Number(name));
  }
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    const argv = cmdline(pid);
    if (argv && match(argv)) return pid;
    queue.push(...(children.get(pid) ?? []));
  }
  return undefined;
}

export const alive = (pid) => {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};
