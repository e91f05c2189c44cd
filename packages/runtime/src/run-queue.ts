import { type EgressGuard, type Logger, withLogContext } from '@tillflow/core';
import { type DbHandle, flowVersions, preparedRows, projectScope } from '@tillflow/db';
import { eq, type SQL, sql } from 'drizzle-orm';
import { databaseOnly, executeFlow, type FlowOutcome, RunGroup } from './engine';
import type { FlowDefinition } from './graph';
import { streakGapMs } from './heartbeat';
import { metrics } from './metrics';
import type { RunServices } from './services';
import { completedSteps } from './step-records';

// flow_run rows are the queue. A webhook run's trigger is its stored event's payload (joined at claim, not
// copied into the run). A claim takes due runs (queued and past their
// backoff, or running with an expired lease: their worker died) with
// FOR UPDATE SKIP LOCKED, so any number of workers on one PostgreSQL share
// the work without taking the same run twice while its lease holds.

export interface ClaimedRun {
  id: string;
  project_id: number;
  flow_id: string;
  flow_version_id: string | null;
  trigger_payload: unknown;
  attempt: number;
  max_attempts: number;
}

export interface RetryPolicy {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export async function claimRuns(
  handle: DbHandle,
  workerId: string,
  limit: number,
  leaseMs: number,
  projectIds?: number[],
  /**
   * The stale window (staleAfterMs of the heartbeat): runs of a worker that did not beat for this long
   * are taken over before their lease ends, if this claimer has itself beaten without a break for as long.
   */
  staleWorkerMs = 0,
  /**
   * Also look for runs to take over (default). A worker looks once per heartbeat, not at every claim: every
   * version a run had while `running` stays in the claim index, dead, until VACUUM, and this walk reads them all
   * (with autovacuum off, 100 000 buffers and 430 ms at one claim of the webhook bench's drain, against 13 ms for
   * the queued walk beside it); a run to take over waits at most one heartbeat more.
   */
  takeOver = true,
): Promise<ClaimedRun[]> {
  const scope = projectScope(projectIds);
  // Takeover of another worker's run (see heartbeat.ts). The claimer may judge only while its own
  // streak is current and older than the stale window: the database has answered it for that long.
  // Then a holder that did not beat within that window is dead, and a lease that ran out within it
  // belongs to nobody (a live holder renews its leases every beat). Right after a database outage
  // every streak restarts, so neither rule fires before live holders have beaten and renewed again.
  // A lease whose holder has no heartbeat row (released at shutdown, or claimed without a heartbeat)
  // is taken as soon as it runs out. Without staleWorkerMs (no heartbeats) only leases count.
  let takeover: SQL;
  if (staleWorkerMs > 0) {
    const stale = staleWorkerMs / 1000;
    const gap = streakGapMs(staleWorkerMs) / 1000;
    const judging = sql`exists (select 1 from worker_heartbeat where worker_id = ${workerId}
        and beat_at >= now() - make_interval(secs => ${gap}) and streak_start < now() - make_interval(secs => ${stale}))`;
    takeover = sql`(lease_until < now() and (${judging}
          or not exists (select 1 from worker_heartbeat h where h.worker_id = flow_run.locked_by)))
        or (${judging} and locked_by in (select worker_id from worker_heartbeat
          where beat_at < now() - make_interval(secs => ${stale})))`;
  } else {
    takeover = sql`lease_until < now()`;
  }
  return preparedRows<ClaimedRun>(
    handle.db,
    // Two index walks (flow_run_claim_idx: status, run_after), each stopping at `limit` rows (runs to take over, due
    // queued runs), then the oldest `limit` of both. One OR across both statuses cannot walk the index in order, so
    // it read and sorted the whole backlog at every claim (77 ms at 75 000 queued runs, against 4.5 ms).
    sql`with stale as (
          select id, run_after from flow_run
          where ${takeOver ? sql`status = 'running'` : sql`false`} and test_run = false and locked_by <> ${workerId}
            and (${takeover}) ${scope}
          order by run_after
          limit ${limit}
          for update skip locked),
        queued as (
          select id, run_after from flow_run
          where status = 'queued' and test_run = false and run_after <= now() ${scope}
          order by run_after
          limit ${limit}
          for update skip locked),
        chosen as (
          select id from (select id, run_after from stale union all select id, run_after from queued) due
          order by run_after
          limit ${limit}),
        claimed as (update flow_run set status = 'running', attempt = attempt + 1, locked_by = ${workerId},
          lease_until = now() + make_interval(secs => ${leaseMs / 1000}), started_at = coalesce(started_at, now())
        where id in (select id from chosen)
        returning id, project_id, flow_id, flow_version_id, event_row_id, trigger_payload, attempt, max_attempts)
        select c.id, c.project_id, c.flow_id, c.flow_version_id, coalesce(c.trigger_payload, e.payload) as trigger_payload,
          c.attempt, c.max_attempts
        from claimed c left join stripe_event e on e.id = c.event_row_id`,
  );
}

export async function extendLeases(
  handle: DbHandle,
  workerId: string,
  runIds: string[],
  leaseMs: number,
): Promise<void> {
  if (runIds.length === 0) return;
  await preparedRows(
    handle.db,
    sql`update flow_run set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
        where locked_by = ${workerId} and status = 'running' and id = any(${`{${runIds.join(',')}}`}::uuid[])`,
  );
}

// Versions never change once published, so their definitions can be cached forever.
const definitions = new Map<string, FlowDefinition>();
async function loadDefinition(handle: DbHandle, versionId: string): Promise<FlowDefinition> {
  let definition = definitions.get(versionId);
  if (!definition) {
    const [version] = await handle.db
      .select({ definition: flowVersions.definition })
      .from(flowVersions)
      .where(eq(flowVersions.id, versionId));
    if (!version) throw new Error('The flow version of this run no longer exists.');
    definition = version.definition as FlowDefinition;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the cache's 5000-entry bound only limits memory: a version never changes
    if (definitions.size > 5000) definitions.clear();
    definitions.set(versionId, definition);
  }
  return definition;
}

export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

/** Lets other workers take these runs over now (graceful shutdown past its deadline). */
export async function releaseRuns(handle: DbHandle, workerId: string, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await handle.db.execute(
    sql`update flow_run set lease_until = now() - interval '1 second'
        where locked_by = ${workerId} and status = 'running'
          and id in (${sql.join(
            runIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
  );
}

/** Executes one claimed run and records how it ended; only the lease holder may finish it. */
export interface ProcessRunHooks {
  /** Stop retrying the final status write (the worker is shutting down past its deadline). */
  givingUp?: () => boolean;
  /** Test-only: runs after the flow ended, before its status is written (e.g. to restart the database). */
  beforeFinish?: (runId: string) => Promise<void>;
  /** Told about each failed try of the final status write. */
  onFinishError?: (error: unknown) => void;
  /** One line per attempt's outcome (debug when it succeeded, warn for a retry, error for a dead letter). */
  logger?: Logger;
}

/**
 * Writes a run's final status, retrying until the database answers. The flow's effects have
 * committed by now; if this write were lost, the run would stay `running` until its lease ended and
 * another worker ran it again (reusing its steps, but under a new attempt and, for a failure,
 * without its true error). So a database restart or a terminated connection only delays it: the
 * run stays in this worker's hands (its lease renewed with each heartbeat) and ends in its true
 * status. The fence (lease holder + attempt) makes a late write harmless if another worker did take it.
 */
async function finishRun(handle: DbHandle, statement: SQL, hooks: ProcessRunHooks): Promise<void> {
  for (let failures = 0; ; failures++) {
    try {
      await preparedRows(handle.db, statement);
      return;
    } catch (error) {
      hooks.onFinishError?.(error);
      if (hooks.givingUp?.()) throw error;
      await new Promise((r) => setTimeout(r, finishRetryDelayMs(failures)));
    }
  }
}

/** How long finishRun waits after its `failures`-th refused write (from 0): 50 ms doubling, at most 0.5 s. */
export const finishRetryDelayMs = (failures: number): number => Math.min(500, 50 * 2 ** Math.min(failures, 4));

/** A run's final `succeeded` status. */
const SUCCEEDED = sql`status = 'succeeded', error = null, finished_at = now(), lease_until = null`;

/** The most runs one group transaction holds (its row locks are held until the last of them is done). */
export const MAX_RUN_GROUP = 16;

/**
 * Splits claimed runs into groups processed in one transaction each (processRunGroup) and runs processed on their
 * own: a group is two or more first attempts of one project whose flows are database-only (every node pure or a
 * database node). Never throws: a run whose flow cannot be loaded here goes on its own (processRun reports why).
 */
export async function groupClaimedRuns(
  services: RunServices,
  runs: ClaimedRun[],
): Promise<{ groups: ClaimedRun[][]; singles: ClaimedRun[] }> {
  const byProject = new Map<number, ClaimedRun[]>();
  const singles: ClaimedRun[] = [];
  for (const run of runs) {
    let groupable = false;
    if (run.attempt === 1 && run.attempt <= run.max_attempts && run.flow_version_id) {
      try {
        groupable = databaseOnly(services, await loadDefinition(services.database, run.flow_version_id));
      } catch {
        groupable = false;
      }
    }
    if (!groupable) singles.push(run);
    else if (byProject.has(run.project_id)) byProject.get(run.project_id)?.push(run);
    else byProject.set(run.project_id, [run]);
  }
  const groups: ClaimedRun[][] = [];
  for (const projectRuns of byProject.values()) {
    for (let i = 0; i < projectRuns.length; i += MAX_RUN_GROUP) {
      const group = projectRuns.slice(i, i + MAX_RUN_GROUP);
      if (group.length > 1) groups.push(group);
      else singles.push(...group);
    }
  }
  return { groups, singles };
}

/**
 * Runs a group (groupClaimedRuns) one after another in ONE transaction: the first attempt of a database-only flow
 * commits nothing until its end, so runs of one project can share the transaction's begin, metadata check, step
 * records, status write and commit (one statement records every run's steps and fenced status). A run sees the
 * writes of the runs before it, as it would had they committed first. Any failure (a node's, the fence's, the
 * database's) rolls the whole group back and each run is then processed on its own (processRun), so a failure is
 * retried and recorded exactly as it always was, and nothing of the group is applied twice.
 */
export async function processRunGroup(
  services: RunServices,
  workerId: string,
  runs: ClaimedRun[],
  policy: RetryPolicy,
  egress?: EgressGuard,
  hooks: ProcessRunHooks = {},
): Promise<void> {
  const handle = services.database;
  const projectId = runs[0].project_id;
  const group = new RunGroup(handle, projectId);
  const startedAt = performance.now();
  try {
    await group.tx();
    for (const run of runs) {
      const definition = await loadDefinition(handle, run.flow_version_id as string);
      const outcome = await withLogContext({ runId: run.id, projectId, flowId: run.flow_id }, () =>
        executeFlow({
          services,
          runId: run.id,
          projectId,
          definition,
          trigger: run.trigger_payload,
          attempt: run.attempt,
          persist: true,
          egress,
          shared: group,
        }),
      );
      if (outcome.status !== 'succeeded') throw new Error(outcome.error ?? 'A run of the group failed.');
    }
    const fences = JSON.stringify(runs.map((run) => ({ id: run.id, attempt: run.attempt })));
    await group.commitAll(
      sql`update flow_run f set ${SUCCEEDED}
          from jsonb_to_recordset(${fences}::jsonb) as r(id uuid, attempt int)
          where f.id = r.id and f.locked_by = ${workerId} and f.attempt = r.attempt returning f.id`,
    );
  } catch (error) {
    await group.rollback();
    hooks.logger?.debug({ err: error, runs: runs.length }, 'run group rolled back; its runs go one by one');
    await Promise.all(
      runs.map((run) =>
        withLogContext({ runId: run.id, projectId, flowId: run.flow_id }, () =>
          processRun(services, workerId, run, policy, egress, hooks),
        ),
      ),
    );
    return;
  }
  const seconds = (performance.now() - startedAt) / 1000;
  for (const run of runs) {
    withLogContext({ runId: run.id, projectId, flowId: run.flow_id }, () =>
      hooks.logger?.debug({ attempt: run.attempt, maxAttempts: run.max_attempts, group: runs.length }, 'run succeeded'),
    );
    metrics.runDuration.observe({ outcome: 'succeeded' }, seconds);
  }
}

export async function processRun(
  services: RunServices,
  workerId: string,
  run: ClaimedRun,
  policy: RetryPolicy,
  egress?: EgressGuard,
  hooks: ProcessRunHooks = {},
): Promise<FlowOutcome | null> {
  const handle = services.database;
  let outcome: FlowOutcome;
  const startedAt = performance.now();
  const fence = sql`id = ${run.id} and locked_by = ${workerId} and attempt = ${run.attempt}`;
  // A run that ends in database work commits its status with that work (one transaction), unless a test
  // wants to act between the two (beforeFinish).
  const finishInTransaction = hooks.beforeFinish
    ? undefined
    : sql`update flow_run set ${SUCCEEDED} where ${fence} returning id`;
  if (run.attempt > run.max_attempts) {
    outcome = { status: 'failed', error: 'Gave up: the run kept dying mid-flight.', permanent: true, steps: [] };
  } else {
    try {
      if (!run.flow_version_id) throw new Error('The run has no flow version.');
      const definition = await loadDefinition(handle, run.flow_version_id);
      outcome = await executeFlow({
        services,
        runId: run.id,
        projectId: run.project_id,
        definition,
        trigger: run.trigger_payload,
        attempt: run.attempt,
        persist: true,
        egress,
        finishInTransaction,
        // The first attempt cannot have completed steps; later ones (retries, dead workers) may.
        // Stryker disable next-line ConditionalExpression,EqualityOperator: the first attempt has none, and a retry is protected twice (the steps it loads and each outbound step's claim, claimStep)
        completed: run.attempt > 1 ? await completedSteps(handle.db, run.id) : undefined,
      });
    } catch (error) {
      outcome = { status: 'failed', error: (error as Error).message, permanent: false, steps: [] };
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  await hooks.beforeFinish?.(run.id);
  const log = { attempt: run.attempt, maxAttempts: run.max_attempts, ms: Math.round(seconds * 1000) };
  if (outcome.status === 'succeeded') {
    hooks.logger?.debug(log, 'run succeeded');
    metrics.runDuration.observe({ outcome: 'succeeded' }, seconds);
    if (!outcome.statusCommitted) await finishRun(handle, sql`update flow_run set ${SUCCEEDED} where ${fence}`, hooks);
  } else if (outcome.permanent || run.attempt >= run.max_attempts) {
    hooks.logger?.error({ ...log, error: outcome.error, permanent: outcome.permanent }, 'run failed for good');
    metrics.runDuration.observe({ outcome: 'dead_letter' }, seconds);
    metrics.deadLetters.inc();
    await finishRun(
      handle,
      sql`update flow_run set status = 'failed', error = ${outcome.error}, finished_at = now(), lease_until = null where ${fence}`,
      hooks,
    );
  } else {
    const delay = outcome.retryAfterMs ?? backoffMs(run.attempt, policy);
    hooks.logger?.warn({ ...log, error: outcome.error, retryInMs: delay }, 'run failed; retrying');
    metrics.runDuration.observe({ outcome: 'retry' }, seconds);
    metrics.runRetries.inc();
    await finishRun(
      handle,
      sql`update flow_run set status = 'queued', error = ${outcome.error}, lease_until = null, locked_by = null,
            run_after = now() + make_interval(secs => ${delay / 1000}) where ${fence}`,
      hooks,
    );
  }
  return outcome;
}
