import { newQuickJSWASMModule, type QuickJSWASMModule, shouldInterruptAfterDeadline } from 'quickjs-emscripten';

// User JavaScript runs in QuickJS compiled to WebAssembly: a separate heap with
// no process, require, env, files or network, only what we pass in (`input`).
// Each call gets a fresh runtime with a deadline and a memory cap, so a loop or
// a memory bomb fails that node and leaves the worker untouched.

export interface SandboxLimits {
  timeoutMs?: number;
  memoryBytes?: number;
}

export class CodeNodeError extends Error {
  readonly permanent = true;
  constructor(
    message: string,
    readonly kind: 'timeout' | 'memory' | 'error' | 'result',
  ) {
    super(message);
    this.name = 'CodeNodeError';
  }
}

// Our own module instance (not the shared singleton), so one that misbehaved can be thrown away.
let quickjs: Promise<QuickJSWASMModule> | null = null;
const loadQuickJS = () => {
  quickjs ??= newQuickJSWASMModule();
  return quickjs;
};
const memoryError = (bytes: number) =>
  new CodeNodeError(
    `Code used more than its memory limit of ${Math.round(bytes / 1024 / 1024)} MB and was stopped.`,
    'memory',
  );

/** Runs `code` as a function body: `input` is in scope, `return` gives the node's output (JSON-serialisable). */
export async function runUserCode(code: string, input: unknown, limits: SandboxLimits = {}): Promise<unknown> {
  const timeoutMs = limits.timeoutMs ?? 1000;
  const memoryBytes = limits.memoryBytes ?? 32 * 1024 * 1024;
  const module = await loadQuickJS();
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(memoryBytes);
  runtime.setMaxStackSize(256 * 1024);
  const deadline = Date.now() + timeoutMs;
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
  const context = runtime.newContext();
  try {
    const source = `(function () {
      const input = JSON.parse(${JSON.stringify(JSON.stringify(input ?? null))});
      const __result = (function (input) { ${code}\n })(input);
      return __result === undefined ? 'null' : JSON.stringify(__result);
    })()`;
    const result = context.evalCode(source, 'code-node.js');
    if (result.error) {
      const error = context.dump(result.error) as { name?: string; message?: string } | string;
      result.error.dispose();
      const message = typeof error === 'string' ? error : `${error?.name ?? 'Error'}: ${error?.message ?? ''}`;
      if (/^InternalError: interrupted/.test(message))
        throw new CodeNodeError(`Code took longer than its time limit of ${timeoutMs} ms and was stopped.`, 'timeout');
      if (/^InternalError: stack overflow/.test(message))
        throw new CodeNodeError('Code recursed too deeply (stack overflow) and was stopped.', 'memory');
      if (/^InternalError: (out of memory|string too long)/.test(message)) throw memoryError(memoryBytes);
      throw new CodeNodeError(`Code threw ${message}`, 'error');
    }
    const json = context.getString(result.value);
    result.value.dispose();
    if (typeof json !== 'string') throw new CodeNodeError('Code must return a JSON-serialisable value.', 'result');
    return JSON.parse(json);
  } catch (error) {
    if (error instanceof CodeNodeError) throw error;
    // An exception from the host side (not the sandboxed code): start the next call on a fresh module.
    quickjs = null;
    const message = (error as Error).message ?? String(error);
    if (/memory|allocat/i.test(message)) throw memoryError(memoryBytes);
    throw new CodeNodeError(`Code failed: ${message}`, 'error');
  } finally {
    try {
      context.dispose();
      runtime.dispose();
    } catch {
      quickjs = null; // a runtime that cannot be freed cleanly taints its module: drop both
    }
  }
}
