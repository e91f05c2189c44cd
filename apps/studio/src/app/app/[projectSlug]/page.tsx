import { builtPageAt } from './_components/built-page-route';
import FixedCatalogPage from './fixed-catalog';

// The shop's catalog at /app/<slug>. A page the builder publishes at / (studio → Pages, e.g. the default
// one made when payments were turned on) replaces it; until then this fixed page is the app's.
export const dynamic = 'force-dynamic';

export default async function Route({ params }: { params: Promise<{ projectSlug: string }> }) {
  const { projectSlug } = await params;
  return (await builtPageAt(projectSlug, '/', true)) ?? <FixedCatalogPage />;
}
