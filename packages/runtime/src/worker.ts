import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type EgressGuard, type Logger, setting, withLogContext } from '@tillflow/core';
import { beat, DEFAULT_HEARTBEAT_MS, purgeStaleHeartbeats, removeHeartbeat, staleAfterMs } from './heartbeat';
import { purgeOldRuns } from './history';
import {
  claimRuns,
  extendLeases,
  groupClaimedRuns,
  processRun,
  processRunGroup,
  type RetryPolicy,
  releaseRuns,
} from './run-queue';
import type { RunServices } from './services';
import { onRunsQueued } from './signals';
import { upkeepTables } from './table-upkeep';

export interface WorkerOptions {
  /** Runs executed at once by this process (default 8). */
  concurrency?: number;
  /** How often to look for due runs when nothing wakes us (default 500 ms). */
  pollMs?: number;
  /** A run whose worker stops renewing its lease for this long is taken over (default 30 s). */
  leaseMs?: number;
  /**
   * How often this worker beats into worker_heartbeat and renews its leases (default 1 s). A worker
   * five beats late is dead: its runs are taken over without waiting for their leases, by a worker
   * that has itself beaten without a break for that long (see heartbeat.ts).
   */
  heartbeatMs?: number;
  /** The claim loop not coming round for this long means the worker is wedged: fatal (default 60 s). */
  stallMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  workerId?: string;
  /** 'studio' for the studio's in-process workers, 'worker' for `npm run worker`. */
  kind?: 'studio' | 'worker';
  /** How many times a supervisor restarted this worker (reported in the heartbeat). */
  restarts?: number;
  /** Finished runs older than this many days are purged every `purgeEveryMs` (default TILLFLOW_RUN_RETENTION_DAYS or 30; 0 keeps all). */
  retentionDays?: number;
  /** How often this worker purges finished runs past their retention and day-old heartbeats (default hourly). */
  purgeEveryMs?: number;
  /**
   * How often this worker looks whether Tillflow's tables need a vacuum or fresh planner statistics, done only
   * where the database has no autovacuum (PGlite; a server with autovacuum off; see table-upkeep.ts). Default
   * 5 s; 0 never looks.
   */
  upkeepEveryMs?: number;
  /**
   * Run database-only first attempts of one project claimed together in one transaction (default true; see
   * processRunGroup). False: every run in its own transactions.
   */
  groupRuns?: boolean;
  /** Only take runs of these projects (tests sharing a database; dedicated workers). */
  projectIds?: number[];
  onError?: (error: unknown) => void;
  /**
   * Overrides the services' logger for this worker (tests capture lines with it). Lines written
   * while a run is processed carry its runId, projectId and flowId.
   */
  logger?: Logger;
  /** The guard for the runs' outbound calls (tests open their loopback servers here); the services' by default. */
  egress?: EgressGuard;
  /** The worker cannot go on (wedged claim loop): it has stopped claiming; its supervisor decides. */
  onFatal?: (error: Error) => void;
  /** Test-only: runs after a flow ended, before its final status is written. */
  beforeFinish?: (runId: string) => Promise<void>;
}

export interface Workers {
  workerId: string;
  /** Resolves when no run is in progress and none is due right now. */
  idle(): Promise<void>;
  /** Runs in progress right now. */
  active(): number;
  /**
   * Stop claiming, let runs in progress finish for up to `deadlineMs` (default: wait for all), then
   * release the rest to other workers.
   */
  stop(options?: { deadlineMs?: number }): Promise<void>;
}

/** A worker's timings and identity: what it was given, else the defaults its options document. */
export function workerSettings(options: WorkerOptions = {}) {
  const leaseMs = options.leaseMs ?? 30_000;
  // At least three beats within a lease, but a short lease does not push the beat under 200 ms (a beat asked for is kept).
  const heartbeatMs = Math.min(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, Math.max(200, Math.floor(leaseMs / 3)));
  return {
    concurrency: options.concurrency ?? 8,
    pollMs: options.pollMs ?? 500,
    leaseMs,
    heartbeatMs,
    staleMs: staleAfterMs(heartbeatMs),
    stallMs: options.stallMs ?? 60_000,
    policy: {
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 300_000,
    } satisfies RetryPolicy,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    kind: options.kind ?? 'worker',
    restarts: options.restarts ?? 0,
    retentionDays: options.retentionDays ?? setting('TILLFLOW_RUN_RETENTION_DAYS'),
    purgeEveryMs: options.purgeEveryMs ?? 3_600_000,
    upkeepEveryMs: options.upkeepEveryMs ?? 5_000,
  };
}

/** Start flow-run workers in this process (the studio's `npm start`, or `npm run worker`). */
export async function startWorkers(services: RunServices, options: WorkerOptions = {}): Promise<Workers> {
  const handle = services.database;
  const {
    concurrency,
    pollMs,
    leaseMs,
    heartbeatMs,
    staleMs,
    stallMs,
    policy,
    workerId,
    kind,
    restarts,
    retentionDays,
    purgeEveryMs,
    upkeepEveryMs,
  } = workerSettings(options);
  const logger = (options.logger ?? services.logger).child({
    workerId,
  });
  const onError = options.onError ?? ((error) => logger.error({ err: error }, 'worker error'));
  const active = new Set<string>();
  let stopped = false;
  /** Past the shutdown deadline: runs still writing their status give up (they are released). */
  let abandoned = false;
  let wake: (() => void) | null = null;
  let pending = false;
  let lastClaimEmpty = false;
  let loopAt = Date.now();
  let claimFailures = 0;
  let lastTakeoverLook = 0;
  const idleWaiters: (() => void)[] = [];

  const poke = () => {
    pending = true;
    wake?.();
  };
  const unsubscribe = await onRunsQueued(handle, poke);
  const info = () => ({ workerId, kind, activeRuns: active.size, restarts, staleMs });
  let retryBeat: NodeJS.Timeout | null = null;
  let beating = 0;
  /**
   * Beat and renew leases. After a failed beat (the database away) try again every quarter period
   * rather than waiting a whole one, so a worker is back in worker_heartbeat soon after an outage.
   * A beat stuck on a dead connection must not hold the next ones back (a few may be in flight).
   */
  const pulse = async () => {
    if (abandoned || beating >= 3) return;
    beating += 1;
    try {
      await beat(handle, info());
      await extendLeases(handle, workerId, [...active], leaseMs);
    } catch (error) {
      onError(error);
      if (!retryBeat && !abandoned) {
        retryBeat = setTimeout(
          () => {
            retryBeat = null;
            void pulse();
          },
          Math.max(50, heartbeatMs / 4),
        );
      }
    } finally {
      beating -= 1;
    }
  };
  void pulse();
  const heartbeat = setInterval(() => {
    void pulse();
    if (!stopped && Date.now() - loopAt > stallMs) {
      stopped = true;
      wake?.();
      options.onFatal?.(
        new Error(`The claim loop has not come round for ${Math.round((Date.now() - loopAt) / 1000)} s.`),
      );
    }
  }, heartbeatMs);

  const purge = () => {
    if (retentionDays > 0) purgeOldRuns(handle.db, retentionDays).catch(onError);
    purgeStaleHeartbeats(handle).catch(onError);
  };
  // Every worker may purge: deleting what is already gone is harmless.
  const retention = setInterval(purge, purgeEveryMs);
  retention.unref();
  // Vacuum and statistics where the database keeps none itself; one round at a time.
  let upkeepRound: Promise<void> | null = null;
  const upkeep =
    upkeepEveryMs > 0
      ? setInterval(() => {
          if (upkeepRound || stopped) return;
          upkeepRound = upkeepTables(handle)
            .then((done) => {
              if (done.length > 0) logger.debug({ tables: done }, 'table upkeep');
            })
            .catch(onError)
            .finally(() => {
              upkeepRound = null;
            });
        }, upkeepEveryMs)
      : null;
  upkeep?.unref();

  const notifyIdle = () => {
    if (active.size === 0 && lastClaimEmpty) for (const resolve of idleWaiters.splice(0)) resolve();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = null;
    });

  const loop = (async () => {
    while (!stopped) {
      loopAt = Date.now();
      pending = false;
      const free = concurrency - active.size;
      if (free > 0) {
        try {
          // Runs of dead workers are looked for once per heartbeat (see claimRuns), due queued runs at every claim.
          const takeOver = Date.now() - lastTakeoverLook >= heartbeatMs;
          if (takeOver) lastTakeoverLook = Date.now();
          const runs = await claimRuns(handle, workerId, free, leaseMs, options.projectIds, staleMs, takeOver);
          claimFailures = 0;
          lastClaimEmpty = runs.length === 0;
          if (stopped) {
            // Claimed while this worker was stopping: hand them back at once rather than hold their leases.
            await releaseRuns(
              handle,
              workerId,
              runs.map((run) => run.id),
            ).catch(onError);
            break;
          }
          for (const run of runs) active.add(run.id);
          const hooks = {
            givingUp: () => abandoned,
            beforeFinish: options.beforeFinish,
            onFinishError: onError,
            logger,
          };
          // Database-only first attempts of one project share a transaction (processRunGroup), unless a test
          // wants to act between a run's end and its status.
          const { groups, singles } =
            options.groupRuns === false || options.beforeFinish
              ? { groups: [], singles: runs }
              : await groupClaimedRuns(services, runs);
          for (const group of groups) {
            processRunGroup(services, workerId, group, policy, options.egress, hooks)
              .catch(onError)
              .finally(() => {
                for (const run of group) active.delete(run.id);
                poke();
              });
          }
          for (const run of singles) {
            withLogContext({ runId: run.id, projectId: run.project_id, flowId: run.flow_id }, () =>
              processRun(services, workerId, run, policy, options.egress, hooks),
            )
              .catch(onError)
              .finally(() => {
                active.delete(run.id);
                poke();
              });
          }
          if (runs.length > 0) continue;
        } catch (error) {
          // The database is unreachable or restarting: keep trying, backing off up to 5 s.
          if (!stopped) onError(error);
          claimFailures += 1;
          await sleep(Math.min(5_000, pollMs * 2 ** Math.min(claimFailures, 6)));
          continue;
        }
      }
      notifyIdle();
      if (pending || stopped) continue;
      await sleep(pollMs);
    }
  })();

  return {
    workerId,
    active: () => active.size,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        poke();
      }),
    async stop({ deadlineMs }: { deadlineMs?: number } = {}) {
      stopped = true;
      wake?.();
      clearInterval(retention);
      if (upkeep) clearInterval(upkeep);
      await loop;
      // A round in flight finishes first (its statements are short); one stuck on a database that went away is
      // not waited for long: the stop goes on and the round's error, if any, is reported.
      if (upkeepRound) await Promise.race([upkeepRound, new Promise((r) => setTimeout(r, 2_000).unref())]);
      const deadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + deadlineMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      abandoned = true;
      clearInterval(heartbeat);
      if (retryBeat) clearTimeout(retryBeat);
      if (active.size > 0) await releaseRuns(handle, workerId, [...active]).catch(onError);
      await removeHeartbeat(handle, workerId).catch(onError);
      await unsubscribe().catch(onError);
    },
  };
}
