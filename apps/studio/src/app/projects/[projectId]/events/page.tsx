import { EventsPage } from '~/components/events/events-page';

export default async function Page({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <EventsPage projectId={Number(projectId)} />;
}
