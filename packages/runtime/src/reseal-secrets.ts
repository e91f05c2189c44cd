import { isLegacySealed, resealSecret, type SecretPurpose } from '@tillflow/core';
import { type Executor, mailSettings, paymentSettings, webhookEndpoints } from '@tillflow/db';
import { and, eq, like, or } from 'drizzle-orm';

// Values sealed before secrets were bound to their project and purpose (`v1.`) still open, but
// only until this runs: at every boot (studio and `npm run worker`) each one is re-sealed for the
// row it sits in. The update is conditional on the old value, so two processes booting together
// (or a builder saving a new key meanwhile) never overwrite a newer value.

const LEGACY_PATTERN = 'v1.%';

async function resealColumn(
  rows: { key: string | number; projectId: number; sealed: string | null }[],
  purpose: SecretPurpose,
  write: (key: string | number, from: string, to: string) => Promise<unknown>,
): Promise<number> {
  let count = 0;
  for (const row of rows) {
    if (!row.sealed || !isLegacySealed(row.sealed)) continue;
    await write(row.key, row.sealed, resealSecret(row.sealed, { projectId: row.projectId, purpose }));
    count++;
  }
  return count;
}

/** Re-seals every legacy (v1) secret bound to its row's project and purpose; returns how many. */
export async function resealLegacySecrets(db: Executor): Promise<number> {
  const payments = await db
    .select({
      key: paymentSettings.projectId,
      projectId: paymentSettings.projectId,
      sealed: paymentSettings.secretKeyEncrypted,
    })
    .from(paymentSettings)
    .where(like(paymentSettings.secretKeyEncrypted, LEGACY_PATTERN));
  let count = await resealColumn(payments, 'stripe.secret_key', (key, from, to) =>
    db
      .update(paymentSettings)
      .set({ secretKeyEncrypted: to })
      .where(and(eq(paymentSettings.projectId, Number(key)), eq(paymentSettings.secretKeyEncrypted, from))),
  );

  const mail = await db
    .select({ key: mailSettings.projectId, projectId: mailSettings.projectId, sealed: mailSettings.passwordEncrypted })
    .from(mailSettings)
    .where(like(mailSettings.passwordEncrypted, LEGACY_PATTERN));
  count += await resealColumn(mail, 'smtp.password', (key, from, to) =>
    db
      .update(mailSettings)
      .set({ passwordEncrypted: to })
      .where(and(eq(mailSettings.projectId, Number(key)), eq(mailSettings.passwordEncrypted, from))),
  );

  const endpoints = await db
    .select({
      id: webhookEndpoints.id,
      projectId: webhookEndpoints.projectId,
      current: webhookEndpoints.secretEncrypted,
      previous: webhookEndpoints.previousSecretEncrypted,
    })
    .from(webhookEndpoints)
    .where(
      or(
        like(webhookEndpoints.secretEncrypted, LEGACY_PATTERN),
        like(webhookEndpoints.previousSecretEncrypted, LEGACY_PATTERN),
      ),
    );
  count += await resealColumn(
    endpoints.map((e) => ({ key: e.id, projectId: e.projectId, sealed: e.current })),
    'webhook.signing_secret',
    (key, from, to) =>
      db
        .update(webhookEndpoints)
        .set({ secretEncrypted: to })
        .where(and(eq(webhookEndpoints.id, String(key)), eq(webhookEndpoints.secretEncrypted, from))),
  );
  count += await resealColumn(
    endpoints.map((e) => ({ key: e.id, projectId: e.projectId, sealed: e.previous })),
    'webhook.signing_secret',
    (key, from, to) =>
      db
        .update(webhookEndpoints)
        .set({ previousSecretEncrypted: to })
        .where(and(eq(webhookEndpoints.id, String(key)), eq(webhookEndpoints.previousSecretEncrypted, from))),
  );
  return count;
}
