import { publicOrigin } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { paymentSettings } from '@tillflow/db';
import { z } from 'zod';
import { PaymentError } from './errors';

// Where Checkout may send a buyer back to: the studio's own PUBLIC_URL origin, or a site the builder
// listed in Payments → Return addresses. Anything else (another site, javascript:, data:) is refused,
// so a request cannot turn a shop's checkout into a redirect to somewhere the shop never chose.

export const MAX_RETURN_ORIGINS = 10;

export function allowedReturnOrigins(listed: readonly string[] | null | undefined): string[] {
  return [publicOrigin(), ...(listed ?? []).filter((o) => o !== publicOrigin())];
}

/** Refuses a return URL that is not http(s) on an allowed origin, naming the field and what is allowed. */
export function checkReturnUrl(field: string, value: string | undefined, allowed: string[]): void {
  if (value === undefined) return;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {}
  const problem =
    !url || (url.protocol !== 'http:' && url.protocol !== 'https:')
      ? `${field} must be an http(s) address`
      : !allowed.includes(url.origin)
        ? `${field} must be on ${allowed.join(' or ')}`
        : null;
  if (problem)
    throw new PaymentError(
      'VALIDATION',
      `${problem}; the shop can allow other sites under Payments → Return addresses.`,
      { [field]: problem },
    );
}

const originInput = z
  .string()
  .trim()
  .max(200, 'Keep each address under 200 characters.')
  .transform((value, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(value);
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an http(s) address, e.g. https://shop.example.com.` });
      return z.NEVER;
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
      ctx.addIssue({
        code: 'custom',
        message: `Enter only the site of "${value}", e.g. ${url.origin} (every page on it is then allowed).`,
      });
      return z.NEVER;
    }
    return url.origin;
  });

export const returnOriginsInput = z.object({
  origins: z
    .array(originInput)
    .max(MAX_RETURN_ORIGINS, `List at most ${MAX_RETURN_ORIGINS} sites.`)
    .transform((list) => [...new Set(list)]),
});

export async function saveReturnOrigins(
  handle: DbHandle,
  projectId: number,
  input: z.input<typeof returnOriginsInput>,
): Promise<string[]> {
  const parsed = returnOriginsInput.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'Invalid addresses.';
    throw new PaymentError('VALIDATION', message, { origins: message });
  }
  const values = { projectId, returnOrigins: parsed.data.origins, updatedAt: new Date() };
  await handle.db
    .insert(paymentSettings)
    .values(values)
    .onConflictDoUpdate({ target: paymentSettings.projectId, set: values });
  return parsed.data.origins;
}
