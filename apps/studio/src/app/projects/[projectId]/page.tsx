import { ProjectSettings } from '~/components/project-settings';

export default async function ProjectOverviewPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <ProjectSettings projectId={Number(projectId)} />;
}
