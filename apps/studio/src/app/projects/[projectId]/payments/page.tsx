import { PaymentsPage } from './_components/payments-page';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <PaymentsPage projectId={Number(projectId)} />;
}
