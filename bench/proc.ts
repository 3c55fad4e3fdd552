import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Linux /proc readers: peak resident memory of a process and CPU time of any process, so the
 * worker, the Temporal server and the database are measured the same way from outside.
 */

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), the unit of utime/stime in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process so far, in milliseconds; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** A `kB` field of /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current RSS), in bytes. */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The first process whose command line (NUL-separated arguments) satisfies `matches`. */
export function findProcess(matches: (args: string[]) => boolean): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs
        .readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a.length > 0);
      if (args.length > 0 && matches(args)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** CPU milliseconds of several processes at one instant, by name. */
export function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const ms = pid === undefined ? undefined : cpuMs(pid);
    if (ms !== undefined) snapshot[name] = ms;
  }
  return snapshot;
}

/** CPU milliseconds spent by each process between two snapshots. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const name of Object.keys(after)) if (before[name] !== undefined) delta[name] = after[name]! - before[name]!;
  return delta;
}
