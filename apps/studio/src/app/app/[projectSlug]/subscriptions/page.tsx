import { builtPageAt } from '../_components/built-page-route';
import FixedSubscriptionsPage from './fixed-subscriptions';

// The shopper's subscriptions. A page the builder publishes at /subscriptions (studio → Pages, e.g. the default
// one made when payments were turned on) replaces it; until then this fixed page is the app's.
export const dynamic = 'force-dynamic';

export default async function Route({ params }: { params: Promise<{ projectSlug: string }> }) {
  const { projectSlug } = await params;
  return (await builtPageAt(projectSlug, '/subscriptions', true)) ?? <FixedSubscriptionsPage />;
}
