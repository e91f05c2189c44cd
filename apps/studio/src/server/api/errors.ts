import { ERROR_CODES, httpStatusOf, isTillflowError, type TillflowError } from '@tillflow/core';
import { TRPCError } from '@trpc/server';

type TRPCCode = ConstructorParameters<typeof TRPCError>[0]['code'];
// Core's code table names tRPC's codes as strings (core imports no tRPC); this checks they exist.
const trpcCodes: { [K in keyof typeof ERROR_CODES]: TRPCCode } = Object.fromEntries(
  Object.entries(ERROR_CODES).map(([code, entry]) => [code, entry.trpc satisfies TRPCCode]),
) as { [K in keyof typeof ERROR_CODES]: TRPCCode };

/**
 * Domain packages throw TillflowErrors (code from core's table, a message to act
 * on, per-field messages); this turns them into tRPC errors once, for every
 * router, keeping the field errors for forms (the errorFormatter reads `cause`).
 */
export function toTRPCError(error: unknown): TRPCError | null {
  if (!isTillflowError(error)) return null;
  return new TRPCError({ code: trpcCodes[error.code], message: error.message, cause: error });
}

/** The REST API's error body and status for a domain error, from the same table. */
export function restError(error: TillflowError): { status: number; body: { error: Record<string, unknown> } } {
  return {
    status: httpStatusOf(error),
    body: {
      error: {
        code: error.code,
        message: error.message,
        ...(error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}),
      },
    },
  };
}
