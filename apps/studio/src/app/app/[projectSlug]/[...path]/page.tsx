import { projects } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { cookies } from 'next/headers';
import { notFound } from 'next/navigation';
import { getDb } from '~/server/db';
import { APP_SESSION_COOKIE, actorFromToken } from '~/server/generated-app/auth';
import { mayOpen, renderPage } from '~/server/pages/render';
import { findPublishedPage } from '~/server/pages/store';
import { BuiltPage } from '../_components/built-page';

// A builder-made page (studio → Pages), at /app/<slug>/<its path>. The first paint is rendered here on the
// server for the caller; the client then keeps it live. Fixed pages (orders, subscriptions, admin) keep their
// own folders, which Next matches before this catch-all.
export const dynamic = 'force-dynamic';

export default async function BuiltPageRoute({ params }: { params: Promise<{ projectSlug: string; path: string[] }> }) {
  const { projectSlug, path } = await params;
  const handle = await getDb();
  const [project] = await handle.db.select().from(projects).where(eq(projects.slug, projectSlug));
  if (!project) notFound();
  const address = `/${path.map((p) => encodeURIComponent(decodeURIComponent(p))).join('/')}`;
  const found = await findPublishedPage(handle.db, project.id, address);
  if (!found) notFound();
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
