import { builtPageAt } from '../_components/built-page-route';
import FixedAdminPage from './fixed-admin';

// Refunds for roles that may refund. A page the builder publishes at /admin (studio → Pages, e.g. the default
// one made when payments were turned on) replaces it; until then this fixed page is the app's.
export const dynamic = 'force-dynamic';

export default async function Route({ params }: { params: Promise<{ projectSlug: string }> }) {
  const { projectSlug } = await params;
  return (await builtPageAt(projectSlug, '/admin', true)) ?? <FixedAdminPage />;
}
