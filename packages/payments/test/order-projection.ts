/**
 * The order status Stripe's objects imply under Tillflow's default flows (the lifecycle tests' projection):
 * `base` is what the payment alone says (pending, failed, paid, partially_refunded, refunded); a dispute that is
 * open makes it `disputed`, a lost one `dispute_lost`, and a won one leaves it at `base` (Stripe's dispute
 * statuses: needs_response / under_review / warning_* while open, won / warning_closed, lost).
 */
export function orderStatusOf(base: string, disputeStatus: string | null | undefined): string {
  if (!disputeStatus || disputeStatus === 'won' || disputeStatus === 'warning_closed') return base;
  if (disputeStatus === 'lost') return 'dispute_lost';
  return 'disputed';
}
