import { TillflowError } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import type { Services } from '@tillflow/payments';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { INTERNAL_MESSAGE, logInternalError } from '../http/internal-error';
import { fallbackLogger } from '../logger';
import { servicesFor } from '../services';
import { AUDITED, NOT_AUDITED, recordAudit, transactionHandle } from '../teams/audit';
import { membershipOf } from '../teams/members';
import { accessOf, deniedMessage, roleMayCall } from '../teams/policy';
import { toTRPCError } from './errors';

/** Thrown inside an audited change's transaction when the call failed: rolls back what it wrote. */
const ROLLBACK = Symbol('rollback');

export interface Builder {
  id: string;
  email: string;
  name: string;
  /** The better-auth session this request came with (live streams end when it is revoked). */
  sessionId?: string;
}

export interface TRPCContext {
  db: DbHandle;
  /** The process's services over `db` (createServices); a caller that passes none gets servicesFor(db). */
  services?: Services;
  user: Builder | null;
  headers: Headers;
}

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path, ctx }) {
    // An unexpected error's message never reaches the client: it gets a request id, the log the detail.
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      // The services' logger; a fresh one only when the context itself could not be built.
      const logger = ctx?.services?.logger ?? (ctx?.db ? servicesFor(ctx.db).logger : fallbackLogger());
      const requestId = logInternalError(logger, error.cause ?? error, `tRPC ${path ?? '?'}`);
      const { stack: _stack, ...data } = shape.data;
      return {
        ...shape,
        message: `${INTERNAL_MESSAGE} Quote request id ${requestId} if you report it.`,
        data: { ...data, requestId, zodError: null, fieldErrors: null },
      };
    }
    const cause = error.cause as { fieldErrors?: Record<string, string> } | undefined;
    return {
      ...shape,
      data: {
        ...shape.data,
        requestId: null as string | null,
        // zod problems become one message per field so forms can show them in place.
        zodError: error.cause instanceof ZodError ? z.flattenError(error.cause).fieldErrors : null,
        fieldErrors: cause?.fieldErrors ?? null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// Every procedure gets the services (passed in with the context, else the process's for its database) and
// maps the domain packages' errors (code + field errors) to tRPC's.
const domainErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next({ ctx: { ...ctx, services: ctx.services ?? servicesFor(ctx.db) } });
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(domainErrors);

// Signed in, and the procedure is in the policy table (server/teams/policy.ts); one without an entry is refused.
export const protectedProcedure = publicProcedure.use(({ ctx, next, path }) => {
  if (!ctx.user) throw new TillflowError('UNAUTHORIZED', 'Sign in to continue.');
  if (!accessOf(path)) throw new TillflowError('FORBIDDEN', 'This is not available.');
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Every procedure that touches one project goes through here: a builder who is not a member of the project
 * gets NOT_FOUND, so ids of others' projects leak nothing; a member whose role the policy table does not admit
 * for this procedure gets FORBIDDEN before its input is read further or anything runs. Every mutation is either
 * audited (server/teams/audit.ts AUDITED) or listed in NOT_AUDITED with the reason; one in neither is refused.
 * An audited change runs in one transaction with its audit entry, so a failed audit write rolls the change back
 * (procedures whose change is at Stripe are marked `external`: Stripe cannot be rolled back, their entry is
 * written right after the call).
 */
export const projectProcedure = protectedProcedure
  .input(z.object({ projectId: z.number().int().positive() }))
  .use(async ({ ctx, input, next, path, type, getRawInput }) => {
    const membership = await membershipOf(ctx.db.db, input.projectId, ctx.user.id);
    if (!membership) throw new TillflowError('NOT_FOUND', 'Project not found.');
    const { project, role } = membership;
    if (!roleMayCall(path, role)) throw new TillflowError('FORBIDDEN', deniedMessage(path, role));
    if (type !== 'mutation' || Object.hasOwn(NOT_AUDITED, path)) return next({ ctx: { ...ctx, project, role } });
    const audited = Object.hasOwn(AUDITED, path) ? AUDITED[path] : undefined;
    if (!audited) throw new TillflowError('FORBIDDEN', 'This is not available.');
    const rawInput = await getRawInput();
    const services = ctx.services ?? servicesFor(ctx.db);
    const describe = (data: unknown, before: unknown, db: DbHandle) => {
      const entry = audited.describe({ db, projectId: project.id, input: rawInput, result: data, before });
      return entry ? { ...entry, action: path } : null;
    };
    if (audited.external) {
      const before = await audited.load?.({ db: ctx.db, services, projectId: project.id, input: rawInput });
      const result = await next({ ctx: { ...ctx, project, role } });
      if (result.ok) {
        try {
          const entry = describe(result.data, before, ctx.db);
          if (entry) await recordAudit(ctx.db.db, project.id, ctx.user, entry);
        } catch (error) {
          // The change happened at Stripe: failing the call now would invite a second refund or product.
          services.logger.error({ err: error, path }, 'audit entry not recorded');
        }
      }
      return result;
    }
    // The change and its entry commit together; a failed call or a failed audit write rolls both back.
    let outcome: Awaited<ReturnType<typeof next>> | undefined;
    try {
      await ctx.db.db.transaction(async (tx) => {
        const db = transactionHandle(ctx.db, tx);
        const inTx = { ...services, database: db };
        const before = await audited.load?.({ db, services: inTx, projectId: project.id, input: rawInput });
        outcome = await next({ ctx: { ...ctx, db, services: inTx, project, role } });
        if (!outcome.ok) throw ROLLBACK;
        const entry = describe(outcome.data, before, db);
        if (entry) await recordAudit(tx, project.id, ctx.user, entry);
      });
    } catch (error) {
      if (error !== ROLLBACK || !outcome) throw error;
    }
    return outcome as NonNullable<typeof outcome>;
  });
