/** The calling thread's id on Linux, or null where /proc is not there. */
export function currentThreadId(): string | null;
/** Milliseconds of CPU (user + system) a thread of this process has used, or null where it cannot be read. */
export function threadCpuMs(threadId: string): number | null;
/** However little CPU it used, a job ends this long after it started: ten times its limit, never under 30 s. */
export function wallLimitMs(timeoutMs: number): number;
/** The code's stop check for a job: CPU time past the limit, or the clock where CPU cannot be read or past wallLimitMs. */
export function cpuDeadline(
  timeoutMs: number,
  threadId: string | null,
  clock?: () => number,
  readCpu?: (threadId: string) => number | null,
): () => boolean;
