import { FlowEditorPage } from '~/components/flows/flow-editor';

export default async function Page({ params }: { params: Promise<{ projectId: string; flowId: string }> }) {
  const { projectId, flowId } = await params;
  return <FlowEditorPage projectId={Number(projectId)} flowId={flowId} />;
}
