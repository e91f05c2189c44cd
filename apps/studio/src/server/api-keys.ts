import { createHash, randomBytes } from 'node:crypto';
import { type DbHandle, projectApiKeys } from '@tillflow/db';
import { and, eq, isNull } from 'drizzle-orm';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A new key, returned in full exactly once; only its hash is kept. */
export async function createApiKey(handle: DbHandle, projectId: number, name: string) {
  const key = `tf_${randomBytes(24).toString('base64url')}`;
  const [row] = await handle.db
    .insert(projectApiKeys)
    .values({ projectId, name, prefix: key.slice(0, 10), keyHash: hashKey(key) })
    .returning();
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt, key };
}

export async function listApiKeys(handle: DbHandle, projectId: number) {
  return handle.db
    .select({
      id: projectApiKeys.id,
      name: projectApiKeys.name,
      prefix: projectApiKeys.prefix,
      createdAt: projectApiKeys.createdAt,
      lastUsedAt: projectApiKeys.lastUsedAt,
      revokedAt: projectApiKeys.revokedAt,
    })
    .from(projectApiKeys)
    .where(eq(projectApiKeys.projectId, projectId));
}

export async function revokeApiKey(handle: DbHandle, projectId: number, id: number) {
  await handle.db
    .update(projectApiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(projectApiKeys.projectId, projectId), eq(projectApiKeys.id, id)));
}

/** The project a live key belongs to, or null. */
export async function verifyApiKey(handle: DbHandle, key: string): Promise<number | null> {
  if (!key.startsWith('tf_')) return null;
  const [row] = await handle.db
    .select({ id: projectApiKeys.id, projectId: projectApiKeys.projectId })
    .from(projectApiKeys)
    .where(and(eq(projectApiKeys.keyHash, hashKey(key)), isNull(projectApiKeys.revokedAt)));
  if (!row) return null;
  await handle.db.update(projectApiKeys).set({ lastUsedAt: new Date() }).where(eq(projectApiKeys.id, row.id));
  return row.projectId;
}
