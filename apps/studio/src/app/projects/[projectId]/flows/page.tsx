import { FlowsList } from './_components/flows-list';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <FlowsList projectId={Number(projectId)} />;
}
