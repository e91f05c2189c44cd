import { Activity } from './_components/activity';

export default async function ActivityPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <Activity projectId={Number(projectId)} />;
}
