import { projects } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { cookies } from 'next/headers';
import { notFound } from 'next/navigation';
import { getDb } from '~/server/db';
import { APP_SESSION_COOKIE, actorFromToken } from '~/server/generated-app/auth';
import { mayOpen, renderPage } from '~/server/pages/render';
import { findPublishedPage } from '~/server/pages/store';
import { BuiltPage } from './built-page';

/**
 * The builder-made page at `address`, rendered on the server for the caller (first paint; the client keeps it
 * live), or null when no live page answers. `exact`: only a page at exactly this address, for the app's fixed
 * pages (/, /orders, /subscriptions, /admin), which a published page at their address replaces.
 */
export async function builtPageAt(projectSlug: string, address: string, exact = false) {
  const handle = await getDb();
  const [project] = await handle.db.select().from(projects).where(eq(projects.slug, projectSlug));
  if (!project) notFound();
  const found = await findPublishedPage(handle.db, project.id, address, exact);
  if (!found) return null;
  const token = (await cookies()).get(APP_SESSION_COOKIE)?.value ?? null;
  const actor = await actorFromToken(handle, project.id, token);
  const access = mayOpen(found.definition, actor);
  const initial =
    access === 'ok'
      ? {
          status: 'ok' as const,
          pageId: found.pageId,
          version: found.version,
          view: await renderPage(handle, project, actor, found.definition, found.params, address),
        }
      : { status: access, title: found.definition.title };
  return <BuiltPage path={address} initial={initial} />;
}
