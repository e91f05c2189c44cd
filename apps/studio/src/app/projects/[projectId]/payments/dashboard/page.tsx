import { PaymentsDashboard } from '../_components/dashboard';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <PaymentsDashboard projectId={Number(projectId)} />;
}
