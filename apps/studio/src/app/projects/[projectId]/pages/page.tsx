import { PageList } from './_components/page-list';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <PageList projectId={Number(projectId)} />;
}
