import { TillflowError } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { projects } from '@tillflow/db';
import type { Services } from '@tillflow/payments';
import { initTRPC } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { INTERNAL_MESSAGE, logInternalError } from '../http/internal-error';
import { fallbackLogger } from '../logger';
import { servicesFor } from '../services';
import { toTRPCError } from './errors';

export interface Builder {
  id: string;
  email: string;
  name: string;
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

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TillflowError('UNAUTHORIZED', 'Sign in to continue.');
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * Every procedure that touches one project goes through here: a builder who
 * does not own the project gets NOT_FOUND, so ids of others' projects leak nothing.
 */
export const projectProcedure = protectedProcedure
  .input(z.object({ projectId: z.number().int().positive() }))
  .use(async ({ ctx, input, next }) => {
    const [project] = await ctx.db.db
      .select()
      .from(projects)
      .where(and(eq(projects.id, input.projectId), eq(projects.ownerId, ctx.user.id)));
    if (!project) throw new TillflowError('NOT_FOUND', 'Project not found.');
    return next({ ctx: { ...ctx, project } });
  });
