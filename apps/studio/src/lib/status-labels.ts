// How a status reads to a shop owner. Statuses without an entry read as they are stored.
const LABELS: Record<string, string> = {
  AMOUNT_MISMATCH: 'Amount differs from order',
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status;
}
