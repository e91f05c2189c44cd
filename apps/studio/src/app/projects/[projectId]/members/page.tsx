import { Members } from './_components/members';

export default async function MembersPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <Members projectId={Number(projectId)} />;
}
