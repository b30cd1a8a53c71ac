import { readFileSync } from 'node:fs';
import { processRuns } from '../adapters/local/fs-helpers.ts';

/**
 * Calls `onGone` once when a process that started this one ends: `npm run prognos -- serve &`
 * then `kill $!` ends npm, not the server two levels below it (npm → sh → tsx → node), which
 * would otherwise serve on, orphaned. The ancestors are read once from /proc (Linux); elsewhere
 * only the parent is watched.
 */
export function watchAncestors(onGone: (pid: number) => void, options: { intervalMs?: number; depth?: number } = {}): () => void {
  const ancestors = ancestorPids(options.depth ?? 4);
  const timer = setInterval(() => {
    const gone = ancestors.find((pid) => !processRuns(pid)) ?? (process.ppid !== ancestors[0] ? ancestors[0] : undefined);
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The parent, grandparent, … up to `depth`, stopping before init (pid 1). */
function ancestorPids(depth: number): number[] {
  const pids = [process.ppid];
  while (pids.length < depth) {
    const parent = parentOf(pids.at(-1)!);
    if (parent === undefined || parent <= 1) break;
    pids.push(parent);
  }
  return pids;
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}
