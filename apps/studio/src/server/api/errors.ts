import { DataAccessError } from '@tillflow/data-model';
import { TRPCError } from '@trpc/server';

type TRPCCode = ConstructorParameters<typeof TRPCError>[0]['code'];

const CODE_MAP: Record<string, TRPCCode> = {
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  VALIDATION: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PAYMENT_PROVIDER: 'PAYMENT_REQUIRED',
  EGRESS_REFUSED: 'BAD_REQUEST',
};

/**
 * Domain packages throw their own errors (DataAccessError, PaymentError) with a
 * code and per-field messages; this turns them into tRPC errors once, for every
 * router, keeping the field errors for forms.
 */
export function toTRPCError(error: unknown): TRPCError | null {
  if ((error as Error)?.name === 'TooManyAttemptsError')
    return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: (error as Error).message, cause: error as Error });
  const domain = error as { name?: string; code?: string; message?: string; fieldErrors?: Record<string, string> };
  const isDomain =
    error instanceof DataAccessError ||
    domain?.name === 'PaymentError' ||
    domain?.name === 'DataAccessError' ||
    domain?.name === 'EgressRefusedError';
  if (!isDomain || !domain.code || !CODE_MAP[domain.code]) return null;
  const mapped = new TRPCError({
    code: CODE_MAP[domain.code],
    message: domain.message ?? 'Request failed.',
    cause: error as Error,
  });
  return mapped;
}
