import type { ServerResponse } from 'node:http';
import type { SandboxCore } from './context';
import { escapeHtml, page } from './html';
import { publicView } from './render';
import { collectionOfId } from './store';

// Stripe's Dashboard shows an object and the events about it; the sandbox has no
// dashboard, so `/dashboard/<id>` is its stand-in for the studio's "open in Stripe"
// links: the object as the API returns it, and the events whose data.object it is.
// Like the hosted checkout page, it is reached by the object's (unguessable) id.

const MAX_EVENTS = 50;

export function handleObjectPage(core: SandboxCore, path: string, res: ServerResponse): boolean {
  const match = /^\/dashboard\/([A-Za-z0-9_]+)$/.exec(path);
  if (!match) return false;
  const id = match[1];
  const collection = collectionOfId(id);
  const account = collection ? [...core.store.accounts.values()].find((a) => a.data[collection][id]) : undefined;
  const found = collection && account ? account.data[collection][id] : undefined;
  const send = (status: number, title: string, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page(title, body));
  };
  if (!found || collection === 'webhook_endpoints') {
    send(404, 'Not found', `<main><p role="alert">There is no object ${escapeHtml(id)} in the sandbox.</p></main>`);
    return true;
  }
  const events = Object.values(account?.data.events ?? {})
    .filter((e: any) => e.data?.object?.id === id)
    .sort((a: any, b: any) => b.created - a.created)
    .slice(0, MAX_EVENTS);
  // No client secret, as on Stripe's Dashboard: with it and the publishable key anyone could confirm.
  const { client_secret: _secret, ...view } = publicView(found);
  const status = typeof view.status === 'string' ? ` · ${escapeHtml(view.status)}` : '';
  const rows = events
    .map(
      (e: any) =>
        `<tr><td>${escapeHtml(new Date(e.created * 1000).toISOString())}</td><td><code>${escapeHtml(e.type)}</code></td><td><code>${escapeHtml(e.id)}</code></td></tr>`,
    )
    .join('');
  send(
    200,
    id,
    `<main><section aria-label="Stripe object"><h1>${escapeHtml(view.object ?? collection)} <code>${escapeHtml(id)}</code>${status}</h1>
<p>Sandbox (test mode): what the Stripe API returns for this object.</p>
<pre aria-label="Object JSON">${escapeHtml(JSON.stringify(view, null, 2))}</pre></section>
<section aria-label="Events about this object"><h2>Events</h2>${
      rows
        ? `<table><thead><tr><th>Created</th><th>Type</th><th>Event</th></tr></thead><tbody>${rows}</tbody></table>`
        : '<p>No events yet.</p>'
    }</section></main>`,
  );
  return true;
}
