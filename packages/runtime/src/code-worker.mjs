// A code-node worker thread (plain JavaScript, so the same file runs under vitest, tsx and `next start`).
// It owns one QuickJS WebAssembly module and runs one job at a time in a fresh QuickJS runtime with a
// deadline and a memory cap. The main thread keeps its own timer and terminates this thread if the
// deadline does not stop the code, and discards it after a memory failure, so its heap is given back.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { newQuickJSWASMModule } from 'quickjs-emscripten';
import { cpuDeadline, currentThreadId } from './thread-cpu.mjs';

// Builder code yields the CPU to everything else: on Linux this lowers only this thread (TILLFLOW_CODE_NICE,
// 19 by default), so the thread answering requests wins every contest with a loop. Where it is not allowed,
// nothing changes.
const nice = Number(workerData?.nice ?? 0);
if (nice > 0)
  try {
    setPriority(nice);
  } catch {}

const modulePromise = newQuickJSWASMModule();

/**
 * @param {{ code: string, inputJson: string, timeoutMs: number, memoryBytes: number }} job
 * @returns {Promise<{ ok: true, json: string } | { ok: false, kind: string, message: string }>}
 */
async function run(job) {
  const quickjs = await modulePromise;
  const memory = quickjs.getWasmMemory();
  // QuickJS's own allocation limit is slow to trip on a busy machine (its out-of-memory path can take
  // seconds), so the interrupt handler also watches the WebAssembly heap itself and stops the code
  // once it has grown by the job's limit; QuickJS's limit (a little higher) stays as the backstop.
  const heapCap = baseHeapBytes + job.memoryBytes;
  let overMemory = false;
  const pastDeadline = cpuDeadline(job.timeoutMs, threadId);
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(job.memoryBytes + 8 * 1024 * 1024);
  runtime.setMaxStackSize(256 * 1024);
  runtime.setInterruptHandler(() => {
    if (memory.buffer.byteLength > heapCap) overMemory = true;
    return overMemory || pastDeadline();
  });
  const context = runtime.newContext();
  try {
    const source = `(function () {
      const input = JSON.parse(${JSON.stringify(job.inputJson)});
      const __result = (function (input) { ${job.code}\n })(input);
      return __result === undefined ? 'null' : JSON.stringify(__result);
    })()`;
    const result = context.evalCode(source, 'code-node.js');
    if (result.error) {
      const error = context.dump(result.error);
      result.error.dispose();
      const message = typeof error === 'string' ? error : `${error?.name ?? 'Error'}: ${error?.message ?? ''}`;
      if (overMemory) return { ok: false, kind: 'memory', message };
      if (/^InternalError: interrupted/.test(message)) return { ok: false, kind: 'timeout', message };
      if (/^InternalError: stack overflow/.test(message)) return { ok: false, kind: 'stack', message };
      if (/^InternalError: (out of memory|string too long)/.test(message))
        return { ok: false, kind: 'memory', message };
      return { ok: false, kind: 'error', message };
    }
    const json = context.getString(result.value);
    result.value.dispose();
    if (typeof json !== 'string') return { ok: false, kind: 'result', message: 'not JSON' };
    return { ok: true, json };
  } catch (error) {
    // A failure on the host side of the WebAssembly module (it ran out of memory growing its heap, or broke).
    const message = String(error?.message ?? error);
    return { ok: false, kind: /memory|allocat/i.test(message) ? 'memory' : 'crash', message };
  } finally {
    try {
      context.dispose();
      runtime.dispose();
    } catch {
      // A runtime that cannot be freed cleanly taints the module: the main thread replaces this worker.
      parentPort?.postMessage({ tainted: true });
    }
    // WebAssembly memory never shrinks: a thread whose heap grew a lot is replaced, giving it back.
    if (memory.buffer.byteLength > baseHeapBytes + KEEP_GROWTH_BYTES) parentPort?.postMessage({ tainted: true });
  }
}

const threadId = currentThreadId();

/** How much a thread's WebAssembly heap may grow over its start and still take the next job. */
const KEEP_GROWTH_BYTES = 16 * 1024 * 1024;
let baseHeapBytes = 0;

// Ready once the WebAssembly module is loaded: the main thread's deadline starts only when a job is handed over.
modulePromise.then(
  (quickjs) => {
    baseHeapBytes = quickjs.getWasmMemory().buffer.byteLength;
    parentPort?.postMessage({ ready: true, threadId });
  },
  (error) => {
    throw error;
  },
);

parentPort?.on('message', async (job) => {
  const outcome = await run(job);
  parentPort?.postMessage({ id: job.id, ...outcome });
});
