import { TillflowError } from '@tillflow/core';
import { projects } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { publicProcedure } from '../api/trpc';
import { APP_SESSION_COOKIE, actorFromToken, readCookie } from './auth';

/** The generated app's route handler adds the response headers, so auth procedures can set the cookie. */
export interface AppResponseContext {
  resHeaders?: Headers;
}

/**
 * Procedures of a generated app (/app/:projectSlug): the project comes from the
 * slug, the caller from the app's own session cookie. ctx.user (a builder) is
 * never consulted, so a builder's studio session grants nothing here.
 */
export const appProcedure = publicProcedure
  .input(z.object({ projectSlug: z.string().min(1).max(100) }))
  .use(async ({ ctx, input, next }) => {
    const [project] = await ctx.db.db.select().from(projects).where(eq(projects.slug, input.projectSlug));
    if (!project) throw new TillflowError('NOT_FOUND', 'There is no app at this address.');
    const sessionToken = readCookie(ctx.headers, APP_SESSION_COOKIE);
    const actor = await actorFromToken(ctx.db, project.id, sessionToken);
    const resHeaders = (ctx as AppResponseContext).resHeaders;
    return next({ ctx: { ...ctx, user: null, project, actor, sessionToken, resHeaders } });
  });

/** For pages only signed-in end users may use. */
export const endUserProcedure = appProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== 'endUser') throw new TillflowError('UNAUTHORIZED', 'Sign in to continue.');
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});
