import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { findRepoRoot } from '@tillflow/core';
import { threadCpuMs, wallLimitMs } from './thread-cpu.mjs';

// A small pool of worker threads runs builder code off the main thread, so a loop or a memory bomb
// in one project's code node never stalls the studio's requests. Each thread has V8 resource
// limits; the main thread keeps a timer per job and terminates a thread whose code outlives its
// deadline (it may be stuck where QuickJS's own interrupt cannot reach), and replaces any thread
// that ran out of memory or crashed, so its memory goes back to the system. Jobs beyond the pool
// size wait in a queue, in order. A job's time limit is CPU time (thread-cpu.mjs): when the timer
// fires, a thread that has used less CPU than the limit (it waited for a core on a busy machine)
// gets what it has left, up to the wall-clock cap.

export interface CodeJob {
  code: string;
  /** The input as JSON (made on the main thread, so Dates and the like arrive as strings). */
  inputJson: string;
  timeoutMs: number;
  memoryBytes: number;
}

export type CodeJobOutcome =
  | { ok: true; json: string }
  | { ok: false; kind: 'timeout' | 'memory' | 'stack' | 'error' | 'result' | 'crash'; message: string };

/** How long after its deadline a job whose thread has not answered is stopped by terminating the thread. */
const HARD_STOP_GRACE_MS = 250;
/** The thread's own V8 heap (the QuickJS heap is WebAssembly memory, capped per job by QuickJS itself). */
const RESOURCE_LIMITS = {
  maxOldGenerationSizeMb: 96,
  maxYoungGenerationSizeMb: 16,
  codeRangeSizeMb: 16,
  stackSizeMb: 4,
};

type Failure = Extract<CodeJobOutcome, { ok: false }>;

interface Pending extends CodeJob {
  id: number;
  settle(outcome: CodeJobOutcome): void;
}

interface Slot {
  worker: Worker;
  job: Pending | null;
  timer: NodeJS.Timeout | null;
  /** Its QuickJS module is loaded: it takes jobs (and only then does a job's deadline start). */
  ready: boolean;
  /** Replace this thread once its current job is done. */
  discard: boolean;
  /** The thread's Linux id (its CPU time is read from /proc), if it said. */
  threadId: string | null;
}

/** The worker script ships as plain .mjs beside this file, found from the repository root in every host. */
export function codeWorkerFile(): string {
  const file = path.join(findRepoRoot(), 'packages', 'runtime', 'src', 'code-worker.mjs');
  if (!existsSync(file)) throw new Error(`The code-node worker script is missing at ${file} (set TILLFLOW_ROOT).`);
  return file;
}

export class CodePool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Threads started since the pool was made (a replaced thread counts again). */
  started = 0;

  constructor(
    readonly size: number,
    /** Tests only: another worker script speaking the same messages. */
    private readonly workerFile: () => string = codeWorkerFile,
    /** The threads' scheduling priority (Linux nice, 0–19): higher yields the CPU to the request thread. */
    readonly nice = 0,
  ) {}

  run(job: CodeJob): Promise<CodeJobOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ ...job, id: this.nextId++, settle: resolve });
      this.dispatch();
    });
  }

  /** Threads alive now (idle or busy). */
  get threads(): number {
    return this.slots.size;
  }

  /** Stop every thread; queued jobs fail. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.settle({ ok: false, kind: 'crash', message: 'the code pool closed' });
    await Promise.all(
      [...this.slots].map((slot) => this.retire(slot, { ok: false, kind: 'crash', message: 'closed' })),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = [...this.slots].find((s) => s.ready && !s.job && !s.discard);
      if (!slot) {
        const starting = [...this.slots].filter((s) => !s.ready).length;
        if (this.slots.size < this.size && starting < this.queue.length) this.spawn();
        return;
      }
      const job = this.queue.shift() as Pending;
      slot.job = job;
      slot.worker.ref(); // a job in flight keeps the process alive; an idle pool does not
      this.startHardStop(slot, job);
      slot.worker.postMessage({
        id: job.id,
        code: job.code,
        inputJson: job.inputJson,
        timeoutMs: job.timeoutMs,
        memoryBytes: job.memoryBytes,
      });
    }
  }

  /**
   * Terminate the thread if its job outlives its limit by the grace: in CPU time where the thread's can
   * be read (a starved thread is given what it has left), on the clock otherwise and past wallLimitMs.
   */
  private startHardStop(slot: Slot, job: Pending): void {
    const limit = job.timeoutMs + HARD_STOP_GRACE_MS;
    const wallCap = Date.now() + wallLimitMs(job.timeoutMs) + HARD_STOP_GRACE_MS;
    const cpuAt = () => (slot.threadId ? threadCpuMs(slot.threadId) : null);
    const cpuAtStart = cpuAt();
    const check = () => {
      if (slot.job !== job) return;
      const now = Date.now();
      const cpu = cpuAt();
      const used = cpuAtStart === null || cpu === null ? Number.POSITIVE_INFINITY : cpu - cpuAtStart;
      if (used >= limit || now >= wallCap)
        void this.retire(slot, { ok: false, kind: 'timeout', message: 'terminated at its deadline' });
      else slot.timer = setTimeout(check, Math.min(Math.max(50, limit - used), wallCap - now));
    };
    slot.timer = setTimeout(check, limit);
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerFile(), {
      resourceLimits: RESOURCE_LIMITS,
      workerData: { nice: this.nice },
      stdout: false,
      stderr: false,
    });
    this.started++;
    worker.unref();
    const slot: Slot = { worker, job: null, timer: null, ready: false, discard: false, threadId: null };
    this.slots.add(slot);
    type Message = { id?: number; ready?: boolean; threadId?: string | null; tainted?: boolean } & CodeJobOutcome;
    worker.on('message', (message: Message) => {
      if (message.ready) {
        slot.ready = true;
        slot.threadId = message.threadId ?? null;
        this.dispatch();
        return;
      }
      if (message.tainted) {
        slot.discard = true;
        return;
      }
      if (!slot.job || message.id !== slot.job.id) return;
      const job = slot.job;
      this.finish(slot);
      // A thread whose QuickJS heap hit its cap keeps that WebAssembly memory: start afresh.
      if (!message.ok && (message.kind === 'memory' || message.kind === 'crash')) slot.discard = true;
      job.settle(message);
      if (slot.discard) void this.retire(slot, null);
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      void this.retire(slot, { ok: false, kind: memory ? 'memory' : 'crash', message: error.message });
    });
    worker.on('exit', () => {
      // Ended by terminate() (already handled) or on its own: either way this slot is gone.
      if (this.slots.has(slot)) void this.retire(slot, { ok: false, kind: 'crash', message: 'the worker exited' });
    });
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    slot.worker.unref();
  }

  /** Take a thread out of the pool and terminate it; its job (if any) ends with `outcome`. */
  private async retire(slot: Slot, outcome: Failure | null): Promise<void> {
    if (!this.slots.has(slot)) return;
    this.slots.delete(slot);
    const job = slot.job;
    this.finish(slot);
    if (job && outcome) job.settle(outcome);
    // A thread that died before it was ready would die again: fail the job waiting longest instead of looping.
    if (!slot.ready && outcome)
      this.queue
        .shift()
        ?.settle({ ok: false, kind: 'crash', message: `the code worker did not start (${outcome.message})` });
    this.dispatch();
    await slot.worker.terminate().catch(() => undefined);
  }
}
