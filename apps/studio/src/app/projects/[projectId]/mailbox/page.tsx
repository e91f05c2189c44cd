import { MailboxPage } from './_components/mailbox';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <MailboxPage projectId={Number(projectId)} />;
}
