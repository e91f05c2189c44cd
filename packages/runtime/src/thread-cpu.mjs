// CPU time of one thread of this process, read from Linux's /proc (plain JavaScript, shared by the
// code-node worker thread and the pool on the main thread). A code node's time limit counts the CPU
// its thread used, not the wall clock: on a busy machine (builder code runs at the lowest priority)
// a thread can wait seconds for a core while its code has barely started.
import { readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux Node supports). */
const TICKS_PER_SECOND = 100;

/** The calling thread's id on Linux, or null where /proc is not there. */
export function currentThreadId() {
  try {
    return readlinkSync('/proc/thread-self').split('/').pop() ?? null;
  } catch {
    return null;
  }
}

/**
 * Milliseconds of CPU (user + system) a thread of this process has used, or null where it cannot be read
 * (not Linux, or the thread is gone).
 * @param {string} threadId
 * @returns {number | null}
 */
export function threadCpuMs(threadId) {
  try {
    const stat = readFileSync(`/proc/self/task/${threadId}/stat`, 'utf8');
    // Fields after the command's closing parenthesis start at field 3 (state); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * However little CPU it used, a job ends this long after it started (a starved machine, or a thread
 * stuck without using the CPU): ten times its limit, and never under 30 s.
 * @param {number} timeoutMs
 */
export function wallLimitMs(timeoutMs) {
  return Math.max(30_000, timeoutMs * 10);
}

/**
 * The code's stop check for a job (QuickJS's interrupt handler calls it often): when the limit has
 * passed on the clock, the thread's CPU time is read and the check moved on by what is left. Where the
 * CPU time cannot be read, the clock decides, as it does past wallLimitMs.
 * @param {number} timeoutMs
 * @param {string | null} threadId
 * @param {() => number} [clock]
 * @param {(threadId: string) => number | null} [readCpu]
 * @returns {() => boolean} true once the code must stop
 */
export function cpuDeadline(timeoutMs, threadId, clock = Date.now, readCpu = threadCpuMs) {
  const started = clock();
  const cpuAtStart = threadId ? readCpu(threadId) : null;
  const wallCap = started + wallLimitMs(timeoutMs);
  let checkAt = started + timeoutMs;
  return () => {
    const now = clock();
    if (now < checkAt) return false;
    if (now >= wallCap || cpuAtStart === null || threadId === null) return true;
    const used = (readCpu(threadId) ?? Number.POSITIVE_INFINITY) - cpuAtStart;
    if (used >= timeoutMs) return true;
    checkAt = Math.min(wallCap, now + Math.max(10, timeoutMs - used));
    return false;
  };
}
