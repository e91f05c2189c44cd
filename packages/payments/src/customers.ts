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
