import { metrics } from './metrics';
import type { RunServices } from './services';
import { startWorkers, type WorkerOptions, type Workers } from './worker';

// The studio's in-process workers, kept alive: a worker that fails (a wedged
// claim loop, a start that cannot reach the database) is stopped and started
// again with exponential backoff (1 s doubling to 30 s; back to 1 s after a
// minute of health), and each restart is counted (heartbeat row, /metrics).

export interface SupervisedWorkers {
  /** The worker running now (null while waiting to restart). */
  current(): Workers | null;
  restarts(): number;
  stop(options?: { deadlineMs?: number }): Promise<void>;
}

export interface SuperviseOptions extends Omit<WorkerOptions, 'onFatal' | 'restarts'> {
  restartBaseMs?: number;
  restartMaxMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export function superviseWorkers(services: RunServices, options: SuperviseOptions = {}): SupervisedWorkers {
  const baseMs = options.restartBaseMs ?? 1_000;
  const maxMs = options.restartMaxMs ?? 30_000;
  const log = options.log ?? ((message, error) => (options.logger ?? services.logger).error({ err: error }, message));
  let workers: Workers | null = null;
  let restarts = 0;
  let delayMs = baseMs;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let startedAt = 0;
  let starting: Promise<void> | null = null;

  const scheduleRestart = (error: unknown) => {
    if (stopped) return;
    if (Date.now() - startedAt > 60_000) delayMs = baseMs;
    log(`worker failed; restarting in ${Math.round(delayMs / 100) / 10} s`, error);
    timer = setTimeout(() => {
      timer = null;
      restarts += 1;
      metrics.workerRestarts.inc();
      start();
    }, delayMs);
    delayMs = Math.min(maxMs, delayMs * 2);
  };

  const start = () => {
    startedAt = Date.now();
    starting = (async () => {
      try {
        const { restartBaseMs: _b, restartMaxMs: _m, log: _l, ...workerOptions } = options;
        const started = await startWorkers(services, {
          ...workerOptions,
          restarts,
          onFatal: (error) => {
            if (workers !== started) return;
            workers = null;
            // Runs it holds are released at once so the next worker (here or elsewhere) takes them.
            started.stop({ deadlineMs: 0 }).catch(() => {});
            scheduleRestart(error);
          },
        });
        if (stopped) await started.stop();
        else workers = started;
      } catch (error) {
        scheduleRestart(error);
      } finally {
        starting = null;
      }
    })();
  };
  start();

  return {
    current: () => workers,
    restarts: () => restarts,
    async stop(stopOptions) {
      stopped = true;
      if (timer) clearTimeout(timer);
      await starting;
      await workers?.stop(stopOptions);
      workers = null;
    },
  };
}
