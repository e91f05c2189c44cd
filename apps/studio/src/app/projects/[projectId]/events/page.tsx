import { EventsPage } from './_components/events-page';

export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<{ objects?: string }>;
}) {
  const { projectId } = await params;
  const { objects } = await searchParams;
  // `?objects=pi_…,cs_…`: only the events about these Stripe objects (links from the payments dashboard).
  const objectIds = objects ? objects.split(',').filter(Boolean).slice(0, 10) : undefined;
  return <EventsPage projectId={Number(projectId)} objectIds={objectIds} />;
}
