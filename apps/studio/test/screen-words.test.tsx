// @vitest-environment jsdom

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { createTable, getTable, insertRow } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Activity } from '~/app/projects/[projectId]/activity/_components/activity';
import { ColumnsEditor } from '~/app/projects/[projectId]/data/_components/columns-editor';
import { RowsGrid } from '~/app/projects/[projectId]/data/_components/rows-grid';
import { TablesList } from '~/app/projects/[projectId]/data/_components/tables-list';
import { EventsPage } from '~/app/projects/[projectId]/events/_components/events-page';
import { ConfigPanel } from '~/app/projects/[projectId]/flows/_components/config-panel';
import { FlowsList } from '~/app/projects/[projectId]/flows/_components/flows-list';
import { Palette } from '~/app/projects/[projectId]/flows/_components/palette';
import { StepList } from '~/app/projects/[projectId]/flows/_components/step-list';
import { TriggerPanel } from '~/app/projects/[projectId]/flows/_components/trigger-panel';
import { EndpointsCard } from '~/app/projects/[projectId]/payments/_components/endpoints-card';
import type { MemberRole } from '~/lib/member-roles';
import { asMember } from './as-member';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// The studio's screens, rendered with a real project's data (payments on, a partly refunded payment, a published
// system automation), read in words: no raw status codes, stored table/column/flow names, `nodes.` paths, "node",
// "webhook" or database words in what a shop owner reads (text, and the aria-label / placeholder / title words).

vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(cleanup);

const OWNER: MemberRole = 'owner';

/** What no screen may show as text. */
const RAW_TEXT: [RegExp, string][] = [
  [/\b(SUCCESSFUL|PARTIALLY_REFUNDED|AMOUNT_MISMATCH|INCOMPLETE_EXPIRED|PAST_DUE|PENDING|REFUNDED)\b/, 'a status code'],
  [/\b(partially_refunded|requested_by_customer|past_due)\b/, 'a raw code word'],
  [/\bnodes\.[a-z_]+/i, 'a nodes. path'],
  [/\{\{/, 'an expression'],
  [/\b(end_user|recurring_payment)\b/, 'a system table as stored'],
  [/\bstripe_[a-z_]+|\b(order_id|payment_id|amount_refunded|idempotency_key|created_at)\b/, 'a column as stored'],
  [/PostgreSQL/i, 'the database'],
  [/webhook/i, 'the word webhook'],
  [/\bStripe(Payment|Refund|RecurringPaymentManagement|RecurringPaymentDeduction|Dispute)\b/, 'a flow as stored'],
  [/\bnodes?\b/i, 'the word node'],
  [/\bcallback\b/i, 'the word callback'],
];
/** Attributes a person hears or sees on hover; `title` may hold Stripe's names and ids on purpose. */
const RAW_ATTRIBUTE: [RegExp, string][] = RAW_TEXT.filter(([, what]) =>
  ['a nodes. path', 'the word webhook', 'a flow as stored', 'the word node', 'the word callback'].includes(what),
);

function rawWords(container: HTMLElement): string[] {
  const copy = container.cloneNode(true) as HTMLElement;
  // Text for screen readers only may name things technically (its visible twin reads in words); the expression
  // editor (a field's text) and a run's raw data unfolded under "Input" / "Output" show expressions as they are.
  for (const hidden of copy.querySelectorAll('.sr-only, pre, code, textarea')) hidden.remove();
  // A <select> shows its chosen option; its other options are read when opened, so they count too.
  const text = copy.textContent ?? '';
  const found = RAW_TEXT.flatMap(([pattern, what]) => {
    const m = text.match(pattern);
    return m ? [`${what}: "${m[0]}"`] : [];
  });
  for (const el of copy.querySelectorAll('[aria-label], [placeholder], [title]'))
    for (const attr of ['aria-label', 'placeholder', 'title']) {
      const value = el.getAttribute(attr);
      if (!value) continue;
      for (const [pattern, what] of RAW_ATTRIBUTE) {
        const m = value.match(pattern);
        if (m) found.push(`${what} in ${attr}: "${m[0]}"`);
      }
    }
  return found;
}

describe('every studio screen reads in words, with a real project’s data', () => {
  const env = withDbAndSandbox(60_000);

  it('Automations, Events, Activity, Payments’ addresses, Data and the automation editor show no raw words', async () => {
    const { caller } = await signUpBuilder(env.handle, 'baker');
    const project = await caller.project.create({ name: 'Crumb Bakery', slug: `crumb-${uniqueSuffix()}` });
    const projectId = project.id;
    await createTable(env.handle.db, projectId, { name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    await caller.payments.activate({ projectId, orderTable: 'orders', confirmPermanent: true, setupDefaults: true });
    const order = await insertRow(env.handle.db, projectId, { kind: 'backend' }, 'orders', {
      title: 'Sourdough loaf',
      status: 'partially_refunded',
    });
    await insertRow(env.handle.db, projectId, { kind: 'backend' }, 'payment', {
      order_id: order.id,
      amount: 850,
      currency: 'usd',
      status: 'PARTIALLY_REFUNDED',
      method: 'checkout',
      amount_refunded: 200,
      stripe_payment_intent_id: 'pi_test_screenwords0001',
    });
    const payment = (await caller.flows.list({ projectId })).find((f) => f.systemKind === 'StripePayment');
    if (!payment) throw new Error('no payment automation');
    await caller.flows.publish({ projectId, flowId: payment.id });

    const wrap = asMember(caller, OWNER);
    const show = (ui: React.ReactNode) => render(wrap(ui));
    const problems: Record<string, string[]> = {};
    const check = async (name: string, ui: React.ReactNode, ready: () => unknown) => {
      const { container } = show(ui);
      await waitFor(ready, { timeout: 10_000 });
      problems[name] = rawWords(container);
      cleanup();
    };

    await check('Automations', <FlowsList projectId={projectId} />, () =>
      screen.getByRole('link', { name: 'Payment updates' }),
    );
    await check('Payments: addresses Stripe calls', <EndpointsCard projectId={projectId} />, () =>
      expect(screen.getByRole('table', { name: 'Addresses Stripe calls' }).textContent).toContain('Refund updates'),
    );
    await check('Activity', <Activity projectId={projectId} />, () => screen.getByText(/Published Payment updates/));
    await check('Events', <EventsPage projectId={projectId} />, () => screen.getByText('No events received yet.'));
    await check('Data: tables', <TablesList projectId={projectId} />, () =>
      screen.getByRole('link', { name: 'payment kept by Tillflow' }),
    );
    const paymentTable = await getTable(env.handle.db, projectId, 'payment');
    await check('Data: payment rows', <RowsGrid projectId={projectId} table={paymentTable as never} />, () => {
      screen.getByRole('cell', { name: 'Partially refunded' });
      // Money Tillflow keeps in minor units reads in the currency's major units.
      for (const money of ['$8.50', '$2.00', 'USD']) screen.getByRole('cell', { name: money });
      screen.getByRole('cell', { name: 'Checkout page' });
    });
    await check('Data: payment columns', <ColumnsEditor projectId={projectId} table={paymentTable as never} />, () =>
      screen.getByText('Stripe payment'),
    );
    const ordersTable = await getTable(env.handle.db, projectId, 'orders');
    await check('Data: order rows', <RowsGrid projectId={projectId} table={ordersTable as never} />, () =>
      screen.getByRole('cell', { name: 'Partially refunded' }),
    );

    // The automation editor's panels, on the payment automation.
    const flow = await caller.flows.get({ projectId, flowId: payment.id });
    const node = (id: string) => {
      const found = flow.draft.graph.nodes.find((n) => n.id === id);
      if (!found) throw new Error(id);
      return found;
    };
    const lastRun = {
      nodes: { callback: { orderId: order.id, paymentStatus: 'SUCCESSFUL', amount: 850, currency: 'usd' } },
    };
    for (const id of ['callback', 'branch', 'update_order'])
      await check(
        `Automation step ${id}`,
        <ConfigPanel
          node={node(id)}
          definition={flow.draft}
          tables={flow.tables}
          issues={[]}
          onChange={() => {}}
          lastRun={lastRun}
        />,
        () => screen.getByRole('form'),
      );
    await check('Automation trigger', <TriggerPanel definition={flow.draft} locked onChange={() => {}} />, () =>
      screen.getByRole('region', { name: 'Trigger settings' }),
    );
    await check('Steps to add', <Palette onPick={() => {}} context="Click a step to add it." />, () =>
      screen.getByRole('searchbox'),
    );
    await check(
      'A run’s steps',
      <StepList
        definition={flow.draft}
        steps={[
          { nodeId: 'trigger', status: 'succeeded', output: {} },
          { nodeId: 'callback', status: 'succeeded', output: {} },
          { nodeId: 'branch', status: 'succeeded', branch: 'true' },
        ]}
      />,
      () => screen.getByText(/Payment details/),
    );

    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((name) => [name, []])));
  }, 60_000);
});
