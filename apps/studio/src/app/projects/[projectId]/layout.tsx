import { notFound } from 'next/navigation';
import { ProjectRoleProvider } from '~/lib/project-role';
import { requireBuilder } from '~/server/auth';
import { getDb } from '~/server/db';
import { membershipOf } from '~/server/teams/members';
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
  // Members only (any role); what each role may do is checked by every procedure (server/teams/policy.ts).
  const membership = await membershipOf(handle.db, id, user.id);
  if (!membership) notFound();
  const { project, role } = membership;
  return (
    <ProjectRoleProvider role={role}>
      <div className="flex min-h-[calc(100vh-49px)] flex-col md:flex-row">
        <ProjectNav projectId={project.id} projectName={project.name} />
        <div className="min-w-0 flex-1 p-4 md:p-6">{children}</div>
      </div>
    </ProjectRoleProvider>
  );
}
