import { type Executor, executeRows, stripeCustomers } from '@tillflow/db';
import { and, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';

/**
 * One Stripe customer per end user. The Idempotency-Key makes two concurrent
 * first payments of the same user create one customer; the unique index keeps
 * one mapping row.
 */
export async function ensureStripeCustomer(
  db: Executor,
  stripe: Stripe,
  projectId: number,
  endUser: { id: number; email: string },
): Promise<string> {
  const [existing] = await db
    .select()
    .from(stripeCustomers)
    .where(and(eq(stripeCustomers.projectId, projectId), eq(stripeCustomers.endUserId, endUser.id)));
  if (existing) return existing.customerId;
  const customer = await stripe.customers.create(
    {
      email: endUser.email,
      metadata: { tillflow_project_id: String(projectId), tillflow_end_user_id: String(endUser.id) },
    },
    { idempotencyKey: `tillflow-customer-${projectId}-${endUser.id}` },
  );
  await db
    .insert(stripeCustomers)
    .values({ projectId, endUserId: endUser.id, customerId: customer.id })
    .onConflictDoNothing();
  const [row] = await executeRows<{ customer_id: string }>(
    db,
    sql`select customer_id from stripe_customer where project_id = ${projectId} and end_user_id = ${endUser.id}`,
  );
  return row.customer_id;
}

/**
 * After a project's keys change: when they belong to another Stripe account than its customers (sandbox → test →
 * live, or another account's keys), a customer we mapped does not exist there, so the project's mappings are
 * dropped and each end user gets a customer on the new account when they next buy (the old ones stay where they
 * were, with their payments). Keys rolled on the same account find the customer and keep every mapping. Returns
 * how many mappings were dropped.
 */
export async function forgetCustomersOfAnotherAccount(
  db: Executor,
  stripe: Stripe,
  projectId: number,
): Promise<number> {
  const [one] = await db
    .select({ customerId: stripeCustomers.customerId })
    .from(stripeCustomers)
    .where(eq(stripeCustomers.projectId, projectId))
    .limit(1);
  if (!one) return 0;
  const missing = await stripe.customers.retrieve(one.customerId).then(
    () => false,
    // Only Stripe's own "no such customer" says another account; any other failure keeps the mappings (the keys
    // were already saved and checked, and the endpoints still have to follow them).
    (error: { code?: string }) => error?.code === 'resource_missing',
  );
  if (!missing) return 0;
  const dropped = await db
    .delete(stripeCustomers)
    .where(eq(stripeCustomers.projectId, projectId))
    .returning({ id: stripeCustomers.id });
  return dropped.length;
}
