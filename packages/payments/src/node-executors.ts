import type { CallbackExecutors, NodeContext } from '@tillflow/runtime';
import { orderTableName } from './activation';
import { handleDisputeEvent } from './callbacks/dispute';
import { handlePaymentEvent } from './callbacks/payment';
import { handleSubscriptionEvent } from './callbacks/recurring';
import { handleRefundEvent } from './callbacks/refund';
import { handleRenewalEvent } from './callbacks/renewal';
import type { StripeEventLike } from './event-mapping';

// The system callback handlers run as 'database' nodes: the runtime gives
// them the transaction that also records their step, so each event's effect
// on the system tables commits exactly once.

type Output = { ignored: boolean };

/** An event that is not about this project's payments ends the run quietly (answered, not an error). */
function finish<T extends Output>(ctx: NodeContext<unknown>, output: T): Omit<T, 'ignored'> {
  if (output.ignored) ctx.stop();
  const { ignored: _ignored, ...rest } = output;
  return rest;
}

const event = (ctx: NodeContext<unknown>) => ctx.trigger as StripeEventLike;

/** The system callback handlers, by the catalog's node type id. */
export const PAYMENT_NODE_EXECUTORS: CallbackExecutors = {
  stripe_payment_callback: {
    effect: 'database',
    execute: async (ctx) =>
      finish(
        ctx,
        await handlePaymentEvent(ctx.tx, ctx.projectId, event(ctx), async (id) => {
          // The code's words are a nicety: Stripe unreachable leaves them empty, never fails the payment's run.
          try {
            const stripe = await ctx.services.stripe(ctx.tx, ctx.projectId);
            return (await stripe.promotionCodes.retrieve(id)).code ?? null;
          } catch {
            return null;
          }
        }),
      ),
  },
  stripe_refund_callback: {
    effect: 'database',
    execute: async (ctx) => {
      const stripe = await ctx.services.stripe(ctx.tx, ctx.projectId);
      return finish(ctx, await handleRefundEvent(ctx.tx, ctx.projectId, event(ctx), stripe));
    },
  },
  stripe_dispute_callback: {
    effect: 'database',
    execute: async (ctx) => {
      const stripe = await ctx.services.stripe(ctx.tx, ctx.projectId);
      return finish(ctx, await handleDisputeEvent(ctx.tx, ctx.projectId, event(ctx), stripe));
    },
  },
  stripe_recurring_management_callback: {
    effect: 'database',
    execute: async (ctx) => {
      const stripe = await ctx.services.stripe(ctx.tx, ctx.projectId);
      return finish(ctx, await handleSubscriptionEvent(ctx.tx, ctx.projectId, event(ctx), stripe));
    },
  },
  stripe_recurring_deduction_callback: {
    effect: 'database',
    execute: async (ctx) => {
      // By the binding's table id, never the name in the node's config: a renamed order table keeps working.
      const orderTable = await orderTableName(ctx.tx, ctx.projectId);
      if (!orderTable) throw new Error('Payments are not activated: no order table is bound.');
      // The node's editable "how to make the renewal order" (names resolved from ids by the engine).
      const mapping = {
        copyColumns: Array.isArray(ctx.config.copyColumns) ? (ctx.config.copyColumns as string[]) : undefined,
        orderFieldMapping: (ctx.config.orderFieldMapping ?? {}) as Record<string, unknown>,
      };
      return finish(ctx, await handleRenewalEvent(ctx.tx, ctx.projectId, event(ctx), orderTable, mapping));
    },
  },
};
