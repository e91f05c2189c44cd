import { FlowEditorPage } from '../_components/flow-editor';

export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ projectId: string; flowId: string }>;
  searchParams: Promise<{ run?: string }>;
}) {
  const { projectId, flowId } = await params;
  const { run } = await searchParams;
  return <FlowEditorPage projectId={Number(projectId)} flowId={flowId} runId={run} />;
}
