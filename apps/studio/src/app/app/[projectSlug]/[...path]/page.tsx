import { notFound } from 'next/navigation';
import { builtPageAt } from '../_components/built-page-route';

// A builder-made page (studio → Pages), at /app/<slug>/<its path>. The first paint is rendered here on the
// server for the caller; the client then keeps it live. Fixed pages (orders, subscriptions, admin) keep their
// own folders, which Next matches before this catch-all; a page published at their address replaces them.
export const dynamic = 'force-dynamic';

export default async function BuiltPageRoute({ params }: { params: Promise<{ projectSlug: string; path: string[] }> }) {
  const { projectSlug, path } = await params;
  const address = `/${path.map((p) => encodeURIComponent(decodeURIComponent(p))).join('/')}`;
  return (await builtPageAt(projectSlug, address)) ?? notFound();
}
