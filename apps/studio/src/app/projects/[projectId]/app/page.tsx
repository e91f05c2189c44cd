import { AppSettingsPage } from './_components/app-settings';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <AppSettingsPage projectId={Number(projectId)} />;
}
