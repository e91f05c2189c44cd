import { NonRetriableError, setting } from '@tillflow/core';
import { CODE_NODE_MAX_MEMORY_MB, CODE_NODE_MAX_TIMEOUT_MS } from '@tillflow/flow-model';
import { CodePool } from './code-pool';

// User JavaScript runs in QuickJS compiled to WebAssembly: a separate heap with no process,
// require, env, files or network, only what we pass in (`input`). Each call gets a fresh QuickJS
// runtime with a deadline and a memory cap, inside a worker thread of a small pool (code-pool.ts),
// so neither a loop nor a memory bomb ever runs on the thread that answers requests.

export interface SandboxLimits {
  timeoutMs?: number;
  memoryBytes?: number;
}

/** User code failed (threw, timed out, ran out of memory, returned no JSON): retrying runs the same code again. */
export class CodeNodeError extends NonRetriableError {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'memory' | 'error' | 'result',
  ) {
    super(message);
    this.name = 'CodeNodeError';
  }
}

export const DEFAULT_CODE_TIMEOUT_MS = 1000;
export const DEFAULT_CODE_MEMORY_MB = 32;

/** TILLFLOW_CODE_WORKERS: how many threads run code nodes at once (more wait in a queue). */
export function codeWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  return setting('TILLFLOW_CODE_WORKERS', env);
}

/** TILLFLOW_CODE_NICE: the code threads' priority (Linux nice 0–19; 19 lets every other thread go first). */
export function codeWorkerNice(env: NodeJS.ProcessEnv = process.env): number {
  return setting('TILLFLOW_CODE_NICE', env);
}

const holder = globalThis as unknown as { __tillflowCodePool?: CodePool };
/** The process's pool (one per process, also across Next.js module copies). */
export function codePool(): CodePool {
  holder.__tillflowCodePool ??= new CodePool(codeWorkerCount(), undefined, codeWorkerNice());
  return holder.__tillflowCodePool;
}

/** Tests and benchmarks: stop the pool's threads (the next call starts a new pool). */
export async function closeCodePool(): Promise<void> {
  const pool = holder.__tillflowCodePool;
  holder.__tillflowCodePool = undefined;
  await pool?.close();
}

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * Runs `code` as a function body: `input` is in scope, `return` gives the node's output (JSON-serialisable).
 * Limits above the caps (5 s, 64 MB) are lowered to them.
 */
export async function runUserCode(code: string, input: unknown, limits: SandboxLimits = {}): Promise<unknown> {
  const timeoutMs = Math.min(limits.timeoutMs ?? DEFAULT_CODE_TIMEOUT_MS, CODE_NODE_MAX_TIMEOUT_MS);
  const memoryBytes = Math.min(
    limits.memoryBytes ?? DEFAULT_CODE_MEMORY_MB * 1024 * 1024,
    CODE_NODE_MAX_MEMORY_MB * 1024 * 1024,
  );
  const inputJson = JSON.stringify(input ?? null);
  const outcome = await codePool().run({ code, inputJson, timeoutMs, memoryBytes });
  if (outcome.ok) return JSON.parse(outcome.json);
  switch (outcome.kind) {
    case 'timeout':
      throw new CodeNodeError(`Code took longer than its time limit of ${timeoutMs} ms and was stopped.`, 'timeout');
    case 'memory':
      throw new CodeNodeError(
        `Code used more than ${megabytes(memoryBytes)} MB of memory (its limit) and was stopped.`,
        'memory',
      );
    case 'stack':
      throw new CodeNodeError('Code recursed too deeply (stack overflow) and was stopped.', 'memory');
    case 'result':
      throw new CodeNodeError('Code must return a JSON-serialisable value.', 'result');
    case 'error':
      throw new CodeNodeError(`Code threw ${outcome.message}`, 'error');
    default:
      throw new CodeNodeError(`Code failed: ${outcome.message}`, 'error');
  }
}
