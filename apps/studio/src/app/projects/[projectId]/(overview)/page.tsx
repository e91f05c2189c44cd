import { ProjectSettings } from './_components/overview';

export default async function ProjectOverviewPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <ProjectSettings projectId={Number(projectId)} />;
}
