import { EndUsers } from './_components/end-users';

export default async function UsersPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <EndUsers projectId={Number(projectId)} />;
}
