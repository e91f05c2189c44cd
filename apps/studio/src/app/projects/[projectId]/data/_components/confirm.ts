/** The data model refuses data-losing changes until they are confirmed; its message says what would be lost. */
export function needsConfirmation(error: unknown): boolean {
  const e = error as { message?: string; data?: { code?: string } } | null;
  return Boolean(e && e.data?.code === 'CONFLICT' && /Confirm to go ahead/.test(e.message ?? ''));
}
