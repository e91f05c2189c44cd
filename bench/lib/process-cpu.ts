import { readdirSync, readFileSync } from 'node:fs';

// CPU time from /proc (Linux), for figures that a busy neighbour on a shared machine moves less than throughput:
// milliseconds of CPU a process (all its threads) and the local PostgreSQL server's processes have used so far.
// Where /proc or a local PostgreSQL is not there, the readings are null and the bench prints no CPU figures.

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function ticks(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after its closing parenthesis: utime is the 14th field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU milliseconds used by this process so far (all threads), or null. */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  const t = ticks(pid);
  return t === null ? null : (t * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds used so far by every running process named `postgres` (the server and its backends), or null. */
export function postgresCpuMs(): number | null {
  let total = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== 'postgres') continue;
    const t = ticks(entry);
    if (t === null) continue;
    total += t;
    found = true;
  }
  return found ? (total * 1000) / TICKS_PER_SECOND : null;
}
