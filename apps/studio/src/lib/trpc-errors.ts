/** The message a person should see for a failed tRPC call. */
export function errorMessage(error: unknown): string {
  if (!error) return '';
  const e = error as { message?: string; data?: { zodError?: Record<string, string[]> | null } };
  const zod = e.data?.zodError;
  if (zod) {
    const first = Object.values(zod).flat()[0];
    if (first) return first;
  }
  return e.message ?? 'Something went wrong.';
}

/** Per-field messages from a failed call (zod input errors or data-model field errors). */
export function fieldErrors(error: unknown): Record<string, string> {
  const e = error as {
    data?: { zodError?: Record<string, string[]> | null; fieldErrors?: Record<string, string> | null };
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e?.data?.zodError ?? {})) if (v?.[0]) out[k] = v[0];
  Object.assign(out, e?.data?.fieldErrors ?? {});
  return out;
}
