import { projects } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getDb } from '~/server/db';
import { AppShell } from './_components/shell';
import { AppProviders } from './_components/trpc';

export async function generateMetadata({ params }: { params: Promise<{ projectSlug: string }> }): Promise<Metadata> {
  const { projectSlug } = await params;
  const handle = await getDb();
  const [project] = await handle.db
    .select({ name: projects.name })
    .from(projects)
    .where(eq(projects.slug, projectSlug));
  return { title: project?.name ?? 'App' };
}

// The generated app of one project, at /app/<slug>: its own providers and
// navigation, none of the studio's chrome, and its own end-user session.
export default async function GeneratedAppLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ projectSlug: string }>;
}) {
  const { projectSlug } = await params;
  const handle = await getDb();
  const [project] = await handle.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, projectSlug));
  if (!project) notFound();
  return (
    <AppProviders slug={projectSlug}>
      <AppShell>{children}</AppShell>
    </AppProviders>
  );
}
