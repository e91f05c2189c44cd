import { EndUsers } from '~/components/data/end-users';

export default async function UsersPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <EndUsers projectId={Number(projectId)} />;
}
