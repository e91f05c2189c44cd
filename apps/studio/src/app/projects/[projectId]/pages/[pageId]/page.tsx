import { PageEditor } from '../_components/page-editor';

export default async function Page({ params }: { params: Promise<{ projectId: string; pageId: string }> }) {
  const { projectId, pageId } = await params;
  return <PageEditor projectId={Number(projectId)} pageId={Number(pageId)} />;
}
