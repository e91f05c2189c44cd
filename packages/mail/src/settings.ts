import {
  defaultEgressGuard,
  type EgressGuard,
  EgressRefusedError,
  openSecret,
  type SecretOwner,
  sealSecret,
  setting,
} from '@tillflow/core';
import { type Executor, mailSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { z } from 'zod';

export const mailSettingsInput = z.object({
  host: z.string().trim().min(1, 'Enter the SMTP host.').max(255),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean().default(false),
  username: z.string().trim().max(255).optional().nullable(),
  /** Omit to keep the stored password; null clears it. */
  password: z.string().max(1000).optional().nullable(),
  fromAddress: z.string().trim().min(3, 'Enter the sender address.').max(320),
});

/** What the studio may show: never the password, only whether one is set. */
export interface MailSettingsView {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  hasPassword: boolean;
  fromAddress: string;
}

export interface SmtpSettings extends Omit<MailSettingsView, 'hasPassword'> {
  password: string | null;
  /** The install's own server (TILLFLOW_SMTP_URL): chosen by the operator, so not put through the egress guard. */
  install?: boolean;
}

/** The install's SMTP server from TILLFLOW_SMTP_URL (smtp://user:pass@host:port), or null when unset. */
export function installSmtp(): SmtpSettings | null {
  const raw = setting('TILLFLOW_SMTP_URL');
  if (!raw) return null;
  const url = new URL(raw);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    username: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
    fromAddress: setting('TILLFLOW_MAIL_FROM'),
    install: true,
  };
}

/** Where a project's mail goes: its own SMTP settings, else the install's (TILLFLOW_SMTP_URL), else none (mailbox). */
export async function smtpFor(tx: Executor, projectId: number): Promise<SmtpSettings | null> {
  return (await loadSmtpSettings(tx, projectId)) ?? installSmtp();
}

const smtpPasswordOwner = (projectId: number): SecretOwner => ({ projectId, purpose: 'smtp.password' });

type MailSettingsRow = typeof mailSettings.$inferSelect;

/** A project's stored row, and the fields both the studio's view and the transport's settings copy from it. */
async function mailSettingsRow(
  tx: Executor,
  projectId: number,
): Promise<{ row: MailSettingsRow; common: Omit<MailSettingsView, 'hasPassword'> } | null> {
  const [row] = await tx.select().from(mailSettings).where(eq(mailSettings.projectId, projectId));
  if (!row) return null;
  return {
    row,
    common: {
      host: row.host,
      port: row.port,
      secure: row.secure,
      username: row.username,
      fromAddress: row.fromAddress,
    },
  };
}

export async function getMailSettings(tx: Executor, projectId: number): Promise<MailSettingsView | null> {
  const found = await mailSettingsRow(tx, projectId);
  if (!found) return null;
  return { ...found.common, hasPassword: found.row.passwordEncrypted !== null };
}

/** Server-side only: the settings with the password decrypted, for the transport. */
export async function loadSmtpSettings(tx: Executor, projectId: number): Promise<SmtpSettings | null> {
  const found = await mailSettingsRow(tx, projectId);
  if (!found) return null;
  const { passwordEncrypted } = found.row;
  return {
    ...found.common,
    password: passwordEncrypted ? openSecret(passwordEncrypted, smtpPasswordOwner(projectId)) : null,
  };
}

/**
 * Refuses, when saving, an SMTP host the egress guard would refuse when sending
 * (loopback, private network, metadata...). A host that does not resolve right now
 * is saved anyway: sending checks again.
 */
async function checkSmtpHost(host: string, egress: EgressGuard): Promise<void> {
  try {
    await egress.checkHost(host);
  } catch (error) {
    if (error instanceof EgressRefusedError) throw error;
  }
}

export async function saveMailSettings(
  tx: Executor,
  projectId: number,
  input: z.input<typeof mailSettingsInput>,
  options: { egress?: EgressGuard } = {},
): Promise<MailSettingsView> {
  const parsed = mailSettingsInput.parse(input);
  await checkSmtpHost(parsed.host, options.egress ?? defaultEgressGuard());
  const values = {
    host: parsed.host,
    port: parsed.port,
    secure: parsed.secure,
    username: parsed.username || null,
    fromAddress: parsed.fromAddress,
    updatedAt: new Date(),
    ...(parsed.password === undefined
      ? {}
      : { passwordEncrypted: parsed.password ? sealSecret(parsed.password, smtpPasswordOwner(projectId)) : null }),
  };
  await tx
    .insert(mailSettings)
    .values({ projectId, ...values })
    .onConflictDoUpdate({ target: mailSettings.projectId, set: values });
  return (await getMailSettings(tx, projectId)) as MailSettingsView;
}

/** Back to the captured mailbox. */
export async function deleteMailSettings(tx: Executor, projectId: number): Promise<void> {
  await tx.delete(mailSettings).where(eq(mailSettings.projectId, projectId));
}
