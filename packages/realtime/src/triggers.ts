import { CHANGE_CHANNEL, NOTIFY_AFTER_COMMIT } from '@tillflow/data-model';
import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';

export { CHANGE_CHANNEL } from '@tillflow/data-model';
export const TRIGGER_NAME = 'tillflow_change';
const ATTACH_TRIGGER_NAME = 'tillflow_attach_change';
const LOCK_KEY = 1953066092; // 'till'
// Bumped (and looked for in the function's source) whenever RECORD_FUNCTION changes, so databases
// installed by an older release get the new body.
const CAPTURE_VERSION = 'tillflow capture v4';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ProjectRef {
  id: number;
  schemaName: string;
}

/**
 * The generic row trigger: appends the change to the log and NOTIFYs the project's id. The payload is
 * the same for every row of a project, and PostgreSQL sends identical notifications of one transaction
 * once, so a transaction that writes a thousand rows sends one notification per project, and the hubs
 * read the log from their last position (see hub). NOTIFY is delivered on commit only, so subscribers
 * never see a rolled-back change. Deletes keep the old row for "own" scope.
 * tx_id / tx_floor (this transaction, and the oldest one still running when it wrote) let a reader
 * find lower positions that committed later (see change-log).
 * A transaction that set NOTIFY_AFTER_COMMIT (a run's shared transaction on PostgreSQL) gets no NOTIFY from here:
 * its writer announces the project after the commit, coalesced (data-model's announceChanges).
 */
const RECORD_FUNCTION = sql.raw(`create or replace function public.tillflow_record_change() returns trigger
language plpgsql as $fn$
declare
  rid bigint;
  old_json jsonb;
begin
  -- ${CAPTURE_VERSION}
  if TG_OP = 'DELETE' then
    rid := OLD.id;
    old_json := to_jsonb(OLD);
  else
    rid := NEW.id;
  end if;
  insert into public.realtime_change (project_id, table_id, row_id, op, old_row, tx_id, tx_floor)
    values (TG_ARGV[0]::integer, TG_ARGV[1]::integer, rid, TG_OP, old_json,
            pg_current_xact_id()::text::bigint, pg_snapshot_xmin(pg_current_snapshot())::text::bigint);
  if current_setting('${NOTIFY_AFTER_COMMIT}', true) is distinct from 'on' then
    perform pg_notify('${CHANGE_CHANNEL}', TG_ARGV[0]);
  end if;
  return null;
end
$fn$`);

const ATTACH_SQL = `execute format(
    'create trigger ${TRIGGER_NAME} after insert or update or delete on %I.%I for each row execute function public.tillflow_record_change(%L, %L)',
    s, NEW.physical_name, NEW.project_id::text, NEW.id::text)`;

/**
 * Runs at commit of any transaction that registered a table in data_table (a
 * deferred constraint trigger), when the physical table exists: so every table
 * the data-model layer creates later gets its change trigger without that
 * package having to call anything.
 */
const ATTACH_FUNCTION = sql.raw(`create or replace function public.tillflow_attach_change_trigger() returns trigger
language plpgsql as $fn$
declare
  s text;
  rel regclass;
begin
  select schema_name into s from public.project where id = NEW.project_id;
  if s is null then return null; end if;
  rel := to_regclass(format('%I.%I', s, NEW.physical_name));
  if rel is null then return null; end if;
  if not exists (select 1 from pg_trigger g where g.tgrelid = rel and g.tgname = '${TRIGGER_NAME}') then
    ${ATTACH_SQL};
  end if;
  return null;
end
$fn$`);

const ATTACH_TRIGGER = sql.raw(`create constraint trigger ${ATTACH_TRIGGER_NAME} after insert on public.data_table
  deferrable initially deferred for each row execute function public.tillflow_attach_change_trigger()`);

async function attachTriggerExists(tx: Executor): Promise<boolean> {
  const rows = await executeRows(
    tx,
    sql`select 1 from pg_trigger where tgrelid = 'public.data_table'::regclass and tgname = ${ATTACH_TRIGGER_NAME}`,
  );
  return rows.length > 0;
}

async function captureInstalled(tx: Executor): Promise<boolean> {
  const rows = await executeRows(
    tx,
    sql`select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.proname = 'tillflow_record_change' and p.prosrc like ${`%${CAPTURE_VERSION}%`}`,
  );
  return rows.length > 0 && (await attachTriggerExists(tx));
}

/** Installs (or upgrades) the record function and the data_table hook once per database (idempotent). */
export async function installChangeCapture(tx: Executor): Promise<void> {
  if (await captureInstalled(tx)) return;
  await tx.transaction(async (sp) => {
    await sp.execute(sql`select pg_advisory_xact_lock(${LOCK_KEY}::int, 0)`);
    if (await captureInstalled(sp)) return;
    await sp.execute(RECORD_FUNCTION);
    await sp.execute(ATTACH_FUNCTION);
    if (!(await attachTriggerExists(sp))) await sp.execute(ATTACH_TRIGGER);
  });
}

function tablesLackingTrigger(tx: Executor, project: ProjectRef) {
  return executeRows<{ id: number; physical_name: string }>(
    tx,
    sql`select t.id, t.physical_name from data_table t
        where t.project_id = ${project.id}
          and to_regclass(quote_ident(${project.schemaName}) || '.' || quote_ident(t.physical_name)) is not null
          and not exists (
            select 1 from pg_trigger g join pg_class c on c.oid = g.tgrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = ${project.schemaName} and c.relname = t.physical_name and g.tgname = ${TRIGGER_NAME})
        order by t.id`,
  );
}

/**
 * Attaches the change trigger to every table of the project that lacks it
 * (user tables, the end-user table and system tables alike), and installs the
 * hook that attaches it to tables created later. Idempotent and safe to call
 * concurrently (a transaction-scoped advisory lock per project).
 */
export async function ensureChangeTriggers(tx: Executor, project: ProjectRef): Promise<number> {
  if (!SCHEMA_NAME.test(project.schemaName)) throw new Error(`"${project.schemaName}" is not a project schema name.`);
  await installChangeCapture(tx);
  if ((await tablesLackingTrigger(tx, project)).length === 0) return 0;
  return tx.transaction(async (sp) => {
    await sp.execute(sql`select pg_advisory_xact_lock(${LOCK_KEY}::int, ${project.id}::int)`);
    const tables = await tablesLackingTrigger(sp, project);
    for (const table of tables) {
      const name = String(table.physical_name);
      if (!SCHEMA_NAME.test(name)) continue;
      await sp.execute(
        sql.raw(`create trigger ${TRIGGER_NAME} after insert or update or delete on "${project.schemaName}"."${name}"
          for each row execute function public.tillflow_record_change('${Number(project.id)}', '${Number(table.id)}')`),
      );
    }
    return tables.length;
  });
}

/** Deletes log entries older than the replay window (a client gone longer reloads instead of replaying). */
export async function pruneChangeLog(tx: Executor, olderThanMs = 24 * 3600_000): Promise<number> {
  const rows = await executeRows(
    tx,
    sql`delete from realtime_change where committed_at < ${new Date(Date.now() - olderThanMs).toISOString()}::timestamptz
        returning position`,
  );
  return rows.length;
}
