import { setting } from '@tillflow/core';
import { type Executor, mailMessages } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { type MailInput, mailInput } from './send';
import { smtpFor } from './settings';

// A flow's email is an outbox row written in the same transaction as the step
// that sends it: the step record and the message commit together or not at
// all. Without SMTP the row is the delivery (the captured mailbox), so it is
// exactly once. With SMTP it is 'queued'; the dispatcher delivers it.

export interface QueuedMail {
  id: number;
  status: 'captured' | 'queued';
  messageId: string | null;
}

export async function queueMail(tx: Executor, projectId: number, raw: MailInput): Promise<QueuedMail> {
  const input = mailInput.parse(raw);
  const smtp = await smtpFor(tx, projectId);
  const status = smtp ? 'queued' : 'captured';
  const [row] = await tx
    .insert(mailMessages)
    .values({
      projectId,
      fromAddress: input.from || smtp?.fromAddress || setting('TILLFLOW_MAIL_FROM'), // an empty binding means the default
      toAddress: Array.isArray(input.to) ? input.to.join(', ') : input.to,
      subject: input.subject,
      text: input.text ?? null,
      html: input.html ?? null,
      messageId: input.messageId ?? null,
      status,
      nextAttemptAt: smtp ? sql`now()` : null,
    })
    .returning({ id: mailMessages.id });
  return { id: row.id, status, messageId: input.messageId ?? null };
}
