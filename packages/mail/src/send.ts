import { defaultEgressGuard, type EgressGuard, EgressRefusedError, setting } from '@tillflow/core';
import { type DbHandle, mailMessages } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { type SmtpSettings, smtpFor } from './settings';

const address = z.string().trim().toLowerCase().email('Enter a valid email address.');

export const mailInput = z
  .object({
    to: z.union([address, z.array(address).min(1).max(50)]),
    subject: z.string().max(998).default(''),
    text: z.string().max(1_000_000).optional(),
    html: z.string().max(1_000_000).optional(),
    from: z.string().trim().max(320).optional(),
    /** Stable across retries (e.g. a flow step's idempotency key), so receivers can drop repeats. */
    messageId: z.string().max(200).optional(),
  })
  .refine((m) => m.text !== undefined || m.html !== undefined, { message: 'A message needs text or html.' });
export type MailInput = z.input<typeof mailInput>;

export interface SendMailOptions {
  /** Checks the project's SMTP host; the environment's guard (private networks closed) by default. */
  egress?: EgressGuard;
}

export interface SentMail {
  id: number;
  status: 'captured' | 'sent';
  messageId: string | null;
}

/**
 * The one way to a project's SMTP server (direct sends and the outbox dispatcher): the host goes
 * through the egress guard and the connection goes to the address that was checked. A refused host
 * throws EgressRefusedError (permanent).
 */
export async function connectSmtp(smtp: SmtpSettings, egress?: EgressGuard) {
  let target: { hostname: string; address: string };
  try {
    // A builder's host is checked; the install's own server (TILLFLOW_SMTP_URL) is the operator's to choose.
    target = smtp.install
      ? { hostname: smtp.host, address: smtp.host }
      : await (egress ?? defaultEgressGuard()).checkHost(smtp.host);
  } catch (error) {
    const wrapped = `Sending mail through ${smtp.host}:${smtp.port} failed: ${(error as Error).message}`;
    if (error instanceof EgressRefusedError) throw new EgressRefusedError(wrapped);
    throw new Error(wrapped, { cause: error });
  }
  return createTransport({
    // The checked address; the name stays the TLS server name (SNI and certificate check).
    host: target.address,
    servername: target.address === target.hostname ? undefined : target.hostname,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

/**
 * Sends through the project's SMTP settings; a project without SMTP gets the
 * message captured in its mailbox (readable in the studio and by tests). Every
 * message is recorded; an SMTP failure is recorded as failed and rethrown, so a
 * flow step retries it. The SMTP host is a builder's choice, so it goes through the
 * egress guard: a loopback or private host is refused (permanently) unless the
 * operator opened it, and the connection goes to the address that was checked.
 */
export async function sendMail(
  handle: DbHandle,
  projectId: number,
  raw: MailInput,
  options: SendMailOptions = {},
): Promise<SentMail> {
  const input = mailInput.parse(raw);
  const to = Array.isArray(input.to) ? input.to.join(', ') : input.to;
  const smtp = await smtpFor(handle.db, projectId);
  const from = input.from || smtp?.fromAddress || setting('TILLFLOW_MAIL_FROM'); // an empty binding means the default
  const record = {
    projectId,
    fromAddress: from,
    toAddress: to,
    subject: input.subject,
    text: input.text ?? null,
    html: input.html ?? null,
  };
  if (!smtp) {
    const [row] = await handle.db
      .insert(mailMessages)
      .values({ ...record, status: 'captured', messageId: input.messageId ?? null })
      .returning({ id: mailMessages.id });
    return { id: row.id, status: 'captured', messageId: input.messageId ?? null };
  }
  const [row] = await handle.db
    .insert(mailMessages)
    .values({ ...record, status: 'sending' })
    .returning({ id: mailMessages.id });
  const fail = async (message: string) =>
    handle.db
      .update(mailMessages)
      .set({ status: 'failed', error: message.slice(0, 1000) })
      .where(eq(mailMessages.id, row.id));
  let transport: Awaited<ReturnType<typeof connectSmtp>>;
  try {
    transport = await connectSmtp(smtp, options.egress);
  } catch (error) {
    await fail((error as Error).message);
    throw error;
  }
  try {
    const info = await transport.sendMail({
      from,
      to,
      subject: input.subject,
      text: input.text,
      html: input.html,
      messageId: input.messageId,
    });
    await handle.db
      .update(mailMessages)
      .set({ status: 'sent', messageId: info.messageId ?? null })
      .where(eq(mailMessages.id, row.id));
    return { id: row.id, status: 'sent', messageId: info.messageId ?? null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await fail(message);
    throw new Error(`Sending mail through ${smtp.host}:${smtp.port} failed: ${message}`);
  } finally {
    transport.close();
  }
}
