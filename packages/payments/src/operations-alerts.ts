import { type Logger, publicUrl, setting } from '@tillflow/core';
import { type DbHandle, type Executor, executeRows } from '@tillflow/db';
import { flowTitlesInText } from '@tillflow/flow-model';
import { queueMail } from '@tillflow/mail';
import { failuresInWords } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';

// Operations incidents, per project, emailed to the project's owner once per incident:
//   dead_letter  runs failed for good (a permanent error, or attempts used up). It stays open
//                while new dead letters keep coming; it closes once every run in it was retried
//                (none is failed any more) or after an hour without a new one. The next dead
//                letter after that is a new incident and a new email.
//   queue_age    the project's oldest due queued run has waited longer than the threshold
//                (TILLFLOW_ALERT_QUEUE_AGE_S): no worker is taking runs. Closes once none waits that long.
// At most one open incident per project and kind (partial unique index), so any number of
// processes may check at once: the one whose insert wins sends the email, in the same transaction.

export type AlertKind = 'dead_letter' | 'queue_age';

export interface AlertCheckOptions {
  /** Queued runs due for longer than this open a queue_age incident (default TILLFLOW_ALERT_QUEUE_AGE_S). */
  queueAgeS?: number;
  /** A dead_letter incident with no new dead letter for this long closes (default 1 h). */
  quietS?: number;
  /** Only these projects (tests sharing a database). */
  projectIds?: number[];
}

export interface AlertCheckReport {
  opened: { projectId: number; kind: AlertKind; runs: number; detail: string }[];
  resolved: { projectId: number; kind: AlertKind }[];
}

interface Finding {
  project_id: number;
  runs: number;
  detail: string;
  /** queue_age: the project's threshold in seconds. */
  threshold_s?: number;
}

function scope(projectIds: number[] | undefined, column = sql`project_id`) {
  return projectIds
    ? sql`and ${column} in (${sql.join(
        projectIds.map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql``;
}

async function ownerOf(tx: Executor, projectId: number): Promise<{ email: string; name: string } | null> {
  const [row] = await executeRows<{ email: string; name: string }>(
    tx,
    sql`select u.email, p.name from project p join auth_user u on u.id = p.owner_id where p.id = ${projectId}`,
  );
  return row ?? null;
}

function message(kind: AlertKind, project: string, projectId: number, finding: Finding, queueAgeS: number) {
  const link = `${publicUrl()}/projects/${projectId}/events`;
  if (kind === 'dead_letter')
    return {
      subject: `Automations failed in ${project}`,
      text: [
        `${finding.runs === 1 ? 'An automation run has' : `${finding.runs} automation runs have`} failed for good in ${project} and will not be tried again on their own.`,
        '',
        `Latest: ${flowTitlesInText(finding.detail)}`,
        '',
        `See the error and retry with one click: ${link}`,
        '',
        'You get one email per incident, not one per run: the next comes after these runs were retried, or after an hour without new failures.',
      ].join('\n'),
    };
  return {
    subject: `Automations are waiting in ${project}`,
    text: [
      `${finding.runs === 1 ? 'An automation run has' : `${finding.runs} automation runs have`} been waiting to run for more than ${Math.round(queueAgeS / 60)} minutes in ${project} (${flowTitlesInText(finding.detail)}).`,
      'No worker is taking them: check that the studio or its `npm run worker` processes are running and can reach the database.',
      '',
      `Operations: ${link}`,
      '',
      'You get one email per incident: the next comes only after the queue has caught up and falls behind again.',
    ].join('\n'),
  };
}

export interface AlertSettings {
  /** Email the owner when an incident opens. */
  email: boolean;
  /** Seconds a due run may wait before a queue_age incident opens (the project's, or the install's default). */
  queueAgeS: number;
  /** False while the project uses the install's default threshold. */
  customQueueAge: boolean;
}

/** The project's alert settings, defaults filled in. */
export async function alertSettingsOf(tx: Executor, projectId: number): Promise<AlertSettings> {
  const [row] = await executeRows<{ email: boolean; queue_age_s: number | null }>(
    tx,
    sql`select email, queue_age_s from operations_alert_setting where project_id = ${projectId}`,
  );
  const fallback = setting('TILLFLOW_ALERT_QUEUE_AGE_S');
  return {
    email: row?.email ?? true,
    queueAgeS: row?.queue_age_s ?? fallback,
    customQueueAge: row?.queue_age_s != null,
  };
}

/** Saves a project's alert settings (queueAgeS null: back to the install's default). */
export async function saveAlertSettings(
  tx: Executor,
  projectId: number,
  settings: { email: boolean; queueAgeS: number | null },
): Promise<AlertSettings> {
  await tx.execute(
    sql`insert into operations_alert_setting (project_id, email, queue_age_s)
        values (${projectId}, ${settings.email}, ${settings.queueAgeS})
        on conflict (project_id) do update set email = excluded.email, queue_age_s = excluded.queue_age_s, updated_at = now()`,
  );
  return alertSettingsOf(tx, projectId);
}

/** Opens (and emails) or refreshes an incident; returns true when this call opened it. */
async function openOrRefresh(handle: DbHandle, kind: AlertKind, finding: Finding, queueAgeS: number) {
  return handle.db.transaction(async (tx) => {
    const [row] = await executeRows<{ id: number; inserted: boolean }>(
      tx,
      sql`insert into operations_alert (project_id, kind, runs, detail)
          values (${finding.project_id}, ${kind}, ${finding.runs}, ${finding.detail})
          on conflict (project_id, kind) where resolved_at is null
          do update set runs = excluded.runs, detail = excluded.detail, last_seen_at = now()
          returning id, (xmax = 0) as inserted`,
    );
    if (!row?.inserted) return false;
    const settings = await alertSettingsOf(tx, finding.project_id);
    const owner = settings.email ? await ownerOf(tx, finding.project_id) : null;
    if (owner) {
      const mail = await queueMail(tx, finding.project_id, {
        to: owner.email,
        ...message(kind, owner.name, finding.project_id, finding, finding.threshold_s ?? queueAgeS),
      });
      await tx.execute(sql`update operations_alert set mail_message_id = ${mail.id} where id = ${row.id}`);
    }
    return true;
  });
}

/** One pass over every project: opens, refreshes and closes incidents, emailing each new one once. */
export async function checkOperationsAlerts(
  handle: DbHandle,
  options: AlertCheckOptions = {},
): Promise<AlertCheckReport> {
  const queueAgeS = options.queueAgeS ?? setting('TILLFLOW_ALERT_QUEUE_AGE_S');
  const quietS = options.quietS ?? 3600;
  const report: AlertCheckReport = { opened: [], resolved: [] };
  const inScope = scope(options.projectIds, sql`r.project_id`);

  // Dead letters since the project's last dead_letter incident closed (within the last day).
  const deadLetters = await executeRows<
    Finding & { flow_name: string; flow_version_id: string | null; error: string | null }
  >(
    handle.db,
    sql`select r.project_id, count(*)::int as runs,
          (array_agg(f.name order by r.finished_at desc))[1] as flow_name,
          (array_agg(r.flow_version_id order by r.finished_at desc))[1] as flow_version_id,
          (array_agg(r.error order by r.finished_at desc))[1] as error
        from flow_run r join flow f on f.id = r.flow_id
        where r.status = 'failed' and r.test_run = false and r.finished_at > now() - interval '1 day'
          and r.finished_at > coalesce((select max(a.resolved_at) from operations_alert a
                                        where a.project_id = r.project_id and a.kind = 'dead_letter'), '-infinity')
          ${inScope}
        group by r.project_id
        having max(r.finished_at) > now() - make_interval(secs => ${quietS})`,
  );
  // The latest failure in words: the step's title and its message (never the step's internal id).
  const words = await failuresInWords(
    handle.db,
    deadLetters.map((d) => ({ flowVersionId: d.flow_version_id, error: d.error })),
  );
  deadLetters.forEach((finding, i) => {
    const { step, message } = words[i];
    finding.detail = step ? `${finding.flow_name}, step “${step}”: ${message}` : `${finding.flow_name}: ${message}`;
  });
  for (const finding of deadLetters) {
    if (await openOrRefresh(handle, 'dead_letter', finding, queueAgeS))
      report.opened.push({
        projectId: finding.project_id,
        kind: 'dead_letter',
        runs: finding.runs,
        detail: finding.detail,
      });
  }

  const waiting = await executeRows<Finding>(
    handle.db,
    sql`select r.project_id, count(*)::int as runs,
          'the oldest has waited ' || round(extract(epoch from now() - min(r.run_after)) / 60)::int || ' min' as detail
          , coalesce(max(s.queue_age_s), ${queueAgeS})::int as threshold_s
        from flow_run r left join operations_alert_setting s on s.project_id = r.project_id
        where r.status = 'queued' and r.test_run = false
          and r.run_after < now() - make_interval(secs => coalesce(s.queue_age_s, ${queueAgeS}))
          ${inScope}
        group by r.project_id`,
  );
  for (const finding of waiting) {
    if (await openOrRefresh(handle, 'queue_age', finding, queueAgeS))
      report.opened.push({
        projectId: finding.project_id,
        kind: 'queue_age',
        runs: finding.runs,
        detail: finding.detail,
      });
  }

  // Close what is over: dead_letter incidents none of whose runs is still failed or that stayed
  // quiet, queue_age incidents whose project no longer has a run waiting that long.
  const stillDead = new Set(deadLetters.map((f) => f.project_id));
  const stillWaiting = new Set(waiting.map((f) => f.project_id));
  const open = await executeRows<{ id: number; project_id: number; kind: AlertKind }>(
    handle.db,
    sql`select id, project_id, kind from operations_alert where resolved_at is null ${scope(options.projectIds)}`,
  );
  for (const incident of open) {
    const over =
      incident.kind === 'dead_letter' ? !stillDead.has(incident.project_id) : !stillWaiting.has(incident.project_id);
    if (!over) continue;
    await handle.db.execute(
      sql`update operations_alert set resolved_at = now() where id = ${incident.id} and resolved_at is null`,
    );
    report.resolved.push({ projectId: incident.project_id, kind: incident.kind });
  }
  return report;
}

export interface OperationsAlert {
  id: number;
  kind: AlertKind;
  openedAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  runs: number;
  detail: string;
  emailed: boolean;
}

/** A project's incidents, open ones first, then the most recent closed ones. */
export async function listOperationsAlerts(
  handle: DbHandle,
  projectId: number,
  limit = 10,
): Promise<OperationsAlert[]> {
  const rows = await executeRows<{
    id: number;
    kind: AlertKind;
    opened_at: string | Date;
    last_seen_at: string | Date;
    resolved_at: string | Date | null;
    runs: number;
    detail: string;
    mail_message_id: number | null;
  }>(
    handle.db,
    sql`select id, kind, opened_at, last_seen_at, resolved_at, runs, detail, mail_message_id
        from operations_alert where project_id = ${projectId}
        order by (resolved_at is null) desc, opened_at desc limit ${limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    openedAt: new Date(r.opened_at),
    lastSeenAt: new Date(r.last_seen_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    runs: Number(r.runs),
    detail: r.detail,
    emailed: r.mail_message_id !== null,
  }));
}

/** Checks every `intervalMs` (TILLFLOW_ALERT_CHECK_MS; 0 disables); a failed check is logged. Returns a stop function. */
export function scheduleOperationsAlerts(
  handle: DbHandle,
  logger: Logger,
  intervalMs = setting('TILLFLOW_ALERT_CHECK_MS'),
): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await checkOperationsAlerts(handle);
    } catch (error) {
      logger.warn({ err: error }, 'operations alerts check failed');
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
