import { PermissionsMatrix } from './_components/permissions-matrix';

export default async function PermissionsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <PermissionsMatrix projectId={Number(projectId)} />;
}
