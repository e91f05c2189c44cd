import type { DbHandle } from '@tillflow/db';
import { projects } from '@tillflow/db';
import { initTRPC, TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { INTERNAL_MESSAGE, logInternalError } from '../http/internal-error';
import { toTRPCError } from './errors';

export interface Builder {
  id: string;
  email: string;
  name: string;
}

export interface TRPCContext {
  db: DbHandle;
  user: Builder | null;
  headers: Headers;
}

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path }) {
    // An unexpected error's message never reaches the client: it gets a request id, the log the detail.
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      const requestId = logInternalError(error.cause ?? error, `tRPC ${path ?? '?'}`);
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

// Every procedure maps the domain packages' errors (code + field errors) to tRPC's.
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(domainErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
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
    if (!project) throw new TRPCError({ code: 'NOT_FOUND', message: 'Project not found.' });
    return next({ ctx: { ...ctx, project } });
  });
