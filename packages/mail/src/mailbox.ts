import { type Executor, mailMessages } from '@tillflow/db';
import { and, desc, eq, lt } from 'drizzle-orm';

export type MailboxMessage = typeof mailMessages.$inferSelect;

/** Newest first; page with beforeId. Includes sent and failed messages, not only captured ones. */
export function listMailbox(
  tx: Executor,
  projectId: number,
  options: { limit?: number; beforeId?: number; to?: string } = {},
): Promise<MailboxMessage[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const where = [eq(mailMessages.projectId, projectId)];
  if (options.beforeId) where.push(lt(mailMessages.id, options.beforeId));
  if (options.to) where.push(eq(mailMessages.toAddress, options.to.trim().toLowerCase()));
  return tx
    .select()
    .from(mailMessages)
    .where(and(...where))
    .orderBy(desc(mailMessages.id))
    .limit(limit);
}

export async function getMailMessage(tx: Executor, projectId: number, id: number): Promise<MailboxMessage | null> {
  const [row] = await tx
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.projectId, projectId), eq(mailMessages.id, id)));
  return row ?? null;
}

export async function clearMailbox(tx: Executor, projectId: number): Promise<number> {
  const rows = await tx
    .delete(mailMessages)
    .where(eq(mailMessages.projectId, projectId))
    .returning({ id: mailMessages.id });
  return rows.length;
}
