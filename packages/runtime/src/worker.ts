import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type EgressGuard, setting } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { purgeOldRuns } from './history';
import { registerBuiltinNodes } from './nodes';
import { claimRuns, extendLeases, processRun, type RetryPolicy } from './run-queue';
import { onRunsQueued } from './signals';

export interface WorkerOptions {
  /** Runs executed at once by this process (default 8). */
  concurrency?: number;
  /** How often to look for due runs when nothing wakes us (default 500 ms). */
  pollMs?: number;
  /** A run whose worker stops renewing its lease for this long is taken over (default 30 s). */
  leaseMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  workerId?: string;
  /** Finished runs older than this many days are purged hourly (default TILLFLOW_RUN_RETENTION_DAYS or 30; 0 keeps all). */
  retentionDays?: number;
  /** Only take runs of these projects (tests sharing a database; dedicated workers). */
  projectIds?: number[];
  onError?: (error: unknown) => void;
  /** The guard for the runs' outbound calls (tests open their loopback servers here); the environment's by default. */
  egress?: EgressGuard;
}

export interface Workers {
  workerId: string;
  /** Resolves when no run is in progress and none is due right now. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Start flow-run workers in this process (the studio's `npm start`, or `npm run worker`). */
export async function startWorkers(handle: DbHandle, options: WorkerOptions = {}): Promise<Workers> {
  registerBuiltinNodes();
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const policy: RetryPolicy = {
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    backoffMaxMs: options.backoffMaxMs ?? 300_000,
  };
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const onError = options.onError ?? ((error) => console.error('[worker]', (error as Error).message));
  const active = new Set<string>();
  let stopped = false;
  let wake: (() => void) | null = null;
  let pending = false;
  let lastClaimEmpty = false;
  const idleWaiters: (() => void)[] = [];

  const poke = () => {
    pending = true;
    wake?.();
  };
  const unsubscribe = await onRunsQueued(handle, poke);
  const heartbeat = setInterval(
    () => {
      extendLeases(handle, workerId, [...active], leaseMs).catch(onError);
    },
    Math.max(200, Math.floor(leaseMs / 3)),
  );

  const retentionDays = options.retentionDays ?? setting('TILLFLOW_RUN_RETENTION_DAYS');
  const purge = () => {
    if (retentionDays > 0) purgeOldRuns(handle.db, retentionDays).catch(onError);
  };
  // Every worker may purge: deleting what is already gone is harmless.
  const retention = setInterval(purge, 3600_000);
  retention.unref();

  const notifyIdle = () => {
    if (active.size === 0 && lastClaimEmpty) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const loop = (async () => {
    while (!stopped) {
      pending = false;
      const free = concurrency - active.size;
      if (free > 0) {
        try {
          const runs = await claimRuns(handle, workerId, free, leaseMs, options.projectIds);
          lastClaimEmpty = runs.length === 0;
          for (const run of runs) {
            active.add(run.id);
            processRun(handle, workerId, run, policy, options.egress)
              .catch(onError)
              .finally(() => {
                active.delete(run.id);
                poke();
              });
          }
          if (runs.length > 0) continue;
        } catch (error) {
          if (!stopped) onError(error);
        }
      }
      notifyIdle();
      if (pending || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();

  return {
    workerId,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        poke();
      }),
    async stop() {
      stopped = true;
      wake?.();
      clearInterval(heartbeat);
      clearInterval(retention);
      await loop;
      while (active.size > 0) await new Promise((r) => setTimeout(r, 20));
      await unsubscribe();
    },
  };
}
