import { type EgressGuard, EgressRefusedError, type Logger } from '@tillflow/core';
import { type DbHandle, executeRows, projectScope } from '@tillflow/db';
import { mailLeft, metrics } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { connectSmtp } from './send';
import { smtpFor } from './settings';

// Delivers the outbox's 'queued' messages over each project's SMTP. A message
// is claimed ('sending', under a lease) with SKIP LOCKED, sent with its stable
// Message-ID, then marked 'sent'. A dispatcher that dies between the server's
// acceptance and that mark leaves the message under an expiring lease: the
// next one sends it again, the same Message-ID, and only that message.
// Failures retry with backoff (30 s doubling, 8 attempts over about 2 hours).

export interface MailDispatcherOptions {
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  batch?: number;
  /** Only deliver mail of these projects (tests sharing a database; a dedicated dispatcher). */
  projectIds?: number[];
  /** Checks each project's SMTP host (the environment's guard by default); a refused host fails the message at once. */
  egress?: EgressGuard;
  onError?: (error: unknown) => void;
  /** The process's logger (errors go there when no onError is given). */
  logger: Logger;
}

interface OutboxRow {
  id: number;
  project_id: number;
  from_address: string;
  to_address: string;
  subject: string;
  text: string | null;
  html: string | null;
  message_id: string | null;
  attempts: number;
}

export function startMailDispatcher(handle: DbHandle, options: MailDispatcherOptions) {
  const pollMs = options.pollMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffBaseMs = options.backoffBaseMs ?? 30_000;
  const onError = options.onError ?? ((error) => options.logger.error({ err: error }, 'mail dispatcher failed'));
  let stopped = false;
  let wake: (() => void) | null = null;

  const scope = projectScope(options.projectIds);
  const claim = () =>
    executeRows<OutboxRow>(
      handle.db,
      sql`update mail_message set status = 'sending', attempts = attempts + 1,
            lease_until = now() + make_interval(secs => ${leaseMs / 1000})
          where id in (
            select id from mail_message
            where ((status = 'queued' and next_attempt_at <= now()) or (status = 'sending' and lease_until < now())) ${scope}
            order by id limit ${options.batch ?? 10}
            for update skip locked)
          returning id, project_id, from_address, to_address, subject, text, html, message_id, attempts`,
    );

  async function deliver(row: OutboxRow) {
    const smtp = await smtpFor(handle.db, row.project_id);
    if (!smtp) {
      // SMTP was removed after the message was queued: it lands in the mailbox instead.
      await handle.db.execute(
        sql`update mail_message set status = 'captured', lease_until = null where id = ${row.id}`,
      );
      metrics.mailSent.inc({ transport: 'mailbox' });
      return;
    }
    let transport: Awaited<ReturnType<typeof connectSmtp>> | null = null;
    try {
      transport = await connectSmtp(smtp, options.egress);
      const info = await transport.sendMail({
        from: row.from_address,
        to: row.to_address,
        subject: row.subject,
        text: row.text ?? undefined,
        html: row.html ?? undefined,
        messageId: row.message_id ?? undefined,
      });
      mailLeft();
      await handle.db.execute(
        sql`update mail_message set status = 'sent', sent_at = now(), lease_until = null, error = null,
              message_id = coalesce(message_id, ${info.messageId ?? null}) where id = ${row.id}`,
      );
      metrics.mailSent.inc({ transport: 'smtp' });
    } catch (error) {
      const text = (error as Error).message;
      const message = (
        text.startsWith('Sending mail') ? text : `Sending mail through ${smtp.host}:${smtp.port} failed: ${text}`
      ).slice(0, 1000);
      const final = row.attempts >= maxAttempts || error instanceof EgressRefusedError;
      const delayS = (backoffBaseMs * 2 ** (row.attempts - 1)) / 1000;
      await handle.db.execute(
        final
          ? sql`update mail_message set status = 'failed', error = ${message}, lease_until = null where id = ${row.id}`
          : sql`update mail_message set status = 'queued', error = ${message}, lease_until = null,
                  next_attempt_at = now() + make_interval(secs => ${delayS}) where id = ${row.id}`,
      );
      metrics.mailFailed.inc({ final: String(final) });
    } finally {
      transport?.close();
    }
  }

  const loop = (async () => {
    while (!stopped) {
      let claimed = 0;
      try {
        const rows = await claim();
        claimed = rows.length;
        await Promise.all(rows.map((row) => deliver(row).catch(onError)));
      } catch (error) {
        if (!stopped) onError(error);
      }
      if (claimed > 0 || stopped) continue;
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
    /** Look for queued mail now (tests; after a flow committed one). */
    poke: () => wake?.(),
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

export type MailDispatcher = ReturnType<typeof startMailDispatcher>;
