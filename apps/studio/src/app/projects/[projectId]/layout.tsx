import { projects } from '@tillflow/db';
import { and, eq } from 'drizzle-orm';
import { notFound } from 'next/navigation';
import { requireBuilder } from '~/server/auth';
import { getDb } from '~/server/db';
import { ProjectNav } from './_components/project-nav';

export default async function ProjectLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ projectId: string }>;
}) {
  const user = await requireBuilder();
  const { projectId } = await params;
  const id = Number(projectId);
  if (!Number.isInteger(id) || id <= 0) notFound();
  const handle = await getDb();
  const [project] = await handle.db
    .select()
    .from(projects)
    .where(and(eq(projects.id, id), eq(projects.ownerId, user.id)));
  if (!project) notFound();
  return (
    <div className="flex min-h-[calc(100vh-49px)] flex-col md:flex-row">
      <ProjectNav projectId={project.id} projectName={project.name} />
      <div className="min-w-0 flex-1 p-4 md:p-6">{children}</div>
    </div>
  );
}
