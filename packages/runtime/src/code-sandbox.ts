import { NonRetriableError, type Settings } from '@tillflow/core';
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

/** What the code pool is sized by: TILLFLOW_CODE_WORKERS threads at once, at nice TILLFLOW_CODE_NICE (0–19). */
export type CodeSettings = Pick<Settings, 'TILLFLOW_CODE_WORKERS' | 'TILLFLOW_CODE_NICE'>;

/** Runs builder code in the process's pool of sandbox threads (a service: one per process, made at start). */
export interface CodeRunner {
  run(code: string, input: unknown, limits?: SandboxLimits): Promise<unknown>;
  readonly pool: CodePool;
  /** Stops the pool's threads (shutdown, tests, benchmarks). */
  close(): Promise<void>;
}

/** A code runner with its own pool; threads start on first use. */
export function createCodeRunner(settings: CodeSettings): CodeRunner {
  const pool = new CodePool(settings.TILLFLOW_CODE_WORKERS, undefined, settings.TILLFLOW_CODE_NICE);
  return { pool, run: (code, input, limits) => runUserCode(pool, code, input, limits), close: () => pool.close() };
}

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * Runs `code` as a function body: `input` is in scope, `return` gives the node's output (JSON-serialisable).
 * Limits above the caps (5 s, 64 MB) are lowered to them.
 */
async function runUserCode(pool: CodePool, code: string, input: unknown, limits: SandboxLimits = {}): Promise<unknown> {
  const timeoutMs = Math.min(limits.timeoutMs ?? DEFAULT_CODE_TIMEOUT_MS, CODE_NODE_MAX_TIMEOUT_MS);
  const memoryBytes = Math.min(
    limits.memoryBytes ?? DEFAULT_CODE_MEMORY_MB * 1024 * 1024,
    CODE_NODE_MAX_MEMORY_MB * 1024 * 1024,
  );
  const inputJson = JSON.stringify(input ?? null);
  const outcome = await pool.run({ code, inputJson, timeoutMs, memoryBytes });
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
