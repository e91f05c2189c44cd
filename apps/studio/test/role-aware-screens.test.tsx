// @vitest-environment jsdom

import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { createLogger } from '@tillflow/core';
import { insertRow } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { buildSystemFlow } from '@tillflow/flow-model';
import { createWebhookEndpoint, ingestStripeWebhook, stripeSignatureHeader } from '@tillflow/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppSettingsPage } from '~/app/projects/[projectId]/app/_components/app-settings';
import { ColumnsEditor } from '~/app/projects/[projectId]/data/_components/columns-editor';
import { RowsGrid } from '~/app/projects/[projectId]/data/_components/rows-grid';
import { TableView } from '~/app/projects/[projectId]/data/_components/table-view';
import { TablesList } from '~/app/projects/[projectId]/data/_components/tables-list';
import { EventsPage } from '~/app/projects/[projectId]/events/_components/events-page';
import { OperationsPanel } from '~/app/projects/[projectId]/events/_components/operations-panel';
import { FlowToolbar } from '~/app/projects/[projectId]/flows/_components/flow-toolbar';
import { ReviewBar } from '~/app/projects/[projectId]/flows/_components/review-bar';
import { RunsPanel } from '~/app/projects/[projectId]/flows/_components/runs-panel';
import { TestPanel } from '~/app/projects/[projectId]/flows/_components/test-panel';
import { VersionsPanel } from '~/app/projects/[projectId]/flows/_components/versions-panel';
import { READ_ONLY, useFlowHistory } from '~/app/projects/[projectId]/flows/_hooks/use-flow-history';
import { MailboxPage } from '~/app/projects/[projectId]/mailbox/_components/mailbox';
import { Members } from '~/app/projects/[projectId]/members/_components/members';
import { PageEditor } from '~/app/projects/[projectId]/pages/_components/page-editor';
import { PageList } from '~/app/projects/[projectId]/pages/_components/page-list';
import { PaymentsPage } from '~/app/projects/[projectId]/payments/_components/payments-page';
import { RefundButton } from '~/app/projects/[projectId]/payments/_components/refund-button';
import { PermissionsMatrix } from '~/app/projects/[projectId]/permissions/_components/permissions-matrix';
import { EndUsers } from '~/app/projects/[projectId]/users/_components/end-users';
import type { MemberRole } from '~/lib/member-roles';
import { ProjectRoleProvider, useCan } from '~/lib/project-role';
import { addMember } from '~/server/teams/members';
import { PROCEDURE_POLICY, roleMayCall } from '~/server/teams/policy';
import { asMember } from './as-member';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// The screens show a button only to roles the policy table admits (the server refuses the rest anyway).

vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(cleanup);

/** Renders `ui` as a member with `role`, its queries answered by the server's procedures as `caller`. */
function screenAs(role: MemberRole, caller: unknown) {
  const wrap = asMember(caller, role);
  return async (ui: React.ReactNode, ready: () => unknown) => {
    render(wrap(ui));
    await waitFor(ready, { timeout: 10_000 });
  };
}

const as = (role: MemberRole, ui: React.ReactNode) =>
  render(<ProjectRoleProvider role={role}>{ui}</ProjectRoleProvider>);

function Probe({ procedures }: { procedures: string[] }) {
  const can = useCan();
  return <p>{procedures.filter((p) => can(p)).join(',')}</p>;
}

describe('screens follow the member’s role, from the same policy table the server enforces', () => {
  it('useCan answers exactly what the policy table says for every procedure and role', () => {
    const paths = Object.keys(PROCEDURE_POLICY).filter((p) => PROCEDURE_POLICY[p] !== 'signedIn');
    for (const role of ['owner', 'editor', 'finance', 'viewer'] as const) {
      as(role, <Probe procedures={paths} />);
      expect(screen.getByRole('paragraph').textContent?.split(',').filter(Boolean)).toEqual(
        paths.filter((p) => roleMayCall(p, role)),
      );
      cleanup();
    }
    // Owner-only actions are nobody else's.
    for (const p of ['project.delete', 'members.transferOwnership', 'apiKeys.create', 'members.invite'])
      for (const role of ['editor', 'finance', 'viewer'] as const) expect(roleMayCall(p, role)).toBe(false);
  });

  it('the refund button shows for owners and finance members only', () => {
    for (const [role, shown] of [
      ['owner', true],
      ['finance', true],
      ['editor', false],
      ['viewer', false],
    ] as const) {
      as(role, <RefundButton projectId={1} target={{ paymentId: 7 }} />);
      expect(screen.queryAllByRole('button', { name: 'Refund payment 7' }).length, role).toBe(shown ? 1 : 0);
      cleanup();
    }
  });

  it('a review request offers Approve only to another member who can build, never to its author or a viewer', () => {
    const pending = {
      id: 3,
      note: 'Marks orders paid',
      requestedAt: new Date('2026-12-02T10:00:00Z'),
      requestedBy: 'Eddie Editor',
      yours: false,
      stale: false,
    };
    const bar = (yours: boolean) => (
      <ReviewBar pending={{ ...pending, yours }} busy={false} onApprove={vi.fn()} onReject={vi.fn()} />
    );
    as('owner', bar(false));
    expect(screen.getByRole('region', { name: 'Review request' }).textContent).toContain('Eddie Editor asked');
    expect(screen.getByRole('button', { name: 'Approve and publish' })).toBeTruthy();
    cleanup();
    as('editor', bar(true));
    expect(screen.queryByRole('button', { name: 'Approve and publish' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Withdraw request' })).toBeTruthy();
    cleanup();
    as('viewer', bar(false));
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });

  it('a member who cannot build looks at the canvas: edits are refused in words and nothing changes', () => {
    const flow = buildSystemFlow('StripePayment', { orderTable: 'orders' });
    const notice = { error: vi.fn(), info: vi.fn(), clear: vi.fn() };
    const { result } = renderHook(() => useFlowHistory(flow, notice, true));
    act(() => {
      result.current.apply((g) => ({ ...g, nodes: [] }));
      result.current.edit((g) => ({ ...g, edges: [] }));
      result.current.setTrigger({ kind: 'manual' });
    });
    expect(result.current.definition).toBe(flow);
    expect(notice.error).toHaveBeenCalledTimes(3);
    expect(notice.error).toHaveBeenCalledWith(READ_ONLY);
    // An editor's edits go through.
    const editor = renderHook(() => useFlowHistory(flow, notice, false));
    act(() => {
      editor.result.current.setTrigger({ kind: 'manual' });
    });
    expect(editor.result.current.definition.trigger).toEqual({ kind: 'manual' });
  });
});

describe('Data, Permissions, App users, Pages and Events show build buttons only to owners and editors', () => {
  const env = withDbAndSandbox(240_000);

  it('each screen, rendered as each role with a real project, shows or hides its buttons as the policy table says', async () => {
    const owner = await signUpBuilder(env.handle, 'olive');
    const project = await owner.caller.project.create({ name: 'Role shop', slug: `roles-${uniqueSuffix()}` });
    const projectId = project.id;
    await owner.caller.dataModel.createTable({ projectId, name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    const order = await insertRow(env.handle.db, projectId, { kind: 'backend' }, 'orders', { title: 'Mug' });
    await owner.caller.endUsers.create({ projectId, email: `ann-${uniqueSuffix()}@example.test` });
    await owner.caller.pages.create({ projectId, title: 'Pricing' });
    const members: Record<MemberRole, typeof owner.caller> = { owner: owner.caller } as never;
    for (const role of ['editor', 'finance', 'viewer'] as const) {
      const person = await signUpBuilder(env.handle, role);
      await addMember(env.handle.db, projectId, person.user.id, role);
      members[role] = person.caller;
    }
    const table = await owner.caller.dataModel.getTable({ projectId, table: 'orders' });

    const seen: Record<string, Record<string, boolean | string>> = {};
    for (const role of ['owner', 'editor', 'finance', 'viewer'] as const) {
      const show = screenAs(role, members[role]);
      const button = (name: string) => screen.queryAllByRole('button', { name }).length > 0;
      const row: Record<string, boolean | string> = {};
      await show(<TablesList projectId={projectId} />, () => screen.getByRole('link', { name: 'orders' }));
      row['Data: Create table'] = button('Create table');
      cleanup();
      await show(<TableView projectId={projectId} tableName="orders" />, () =>
        screen.getByRole('heading', { level: 1 }),
      );
      row['Data: Rename table'] = button('Rename table');
      row['Data: Delete table'] = button('Delete table');
      cleanup();
      await show(<RowsGrid projectId={projectId} table={table as never} />, () =>
        screen.getByRole('cell', { name: 'Mug' }),
      );
      row['Data: New row'] = button('New row');
      row['Data: Edit row'] = button(`Edit row ${order.id}`);
      row['Data: Delete row'] = button(`Delete row ${order.id}`);
      cleanup();
      await show(<ColumnsEditor projectId={projectId} table={table as never} />, () => screen.getByText('title'));
      row['Data: Add column'] = button('Add column');
      row['Data: Edit column'] = button('Edit column title');
      cleanup();
      await show(<PermissionsMatrix projectId={projectId} />, () =>
        screen.getByRole('heading', { name: 'Permissions' }),
      );
      row['Permissions: Add role'] = button('Add role');
      row['Permissions: change a table permission'] = !(
        screen.getByRole('combobox', { name: 'user read orders' }) as HTMLSelectElement
      ).disabled;
      cleanup();
      await show(<EndUsers projectId={projectId} />, () => screen.getByText(/@example\.test/));
      row['App users: Add end user'] = button('Add end user');
      row['App users: change a role'] = !(screen.getAllByRole('combobox')[0] as HTMLSelectElement).disabled;
      cleanup();
      await show(<PageList projectId={projectId} />, () => screen.getByRole('link', { name: 'Pricing' }));
      row['Pages: Create page'] = button('Create page');
      for (const name of ['Rename', 'Duplicate', 'Delete']) row[`Pages: ${name}`] = button(name);
      cleanup();
      await show(<OperationsPanel projectId={projectId} />, () =>
        expect(screen.getAllByText(/worker/i).length).toBeGreaterThan(0),
      );
      row['Events: Save alert settings (owners)'] = button('Save alert settings');
      cleanup();
      seen[role] = row;
    }
    const builds = (role: MemberRole) => roleMayCall('dataModel.createTable', role);
    for (const role of ['owner', 'editor', 'finance', 'viewer'] as const) {
      const expected = Object.fromEntries(
        Object.keys(seen[role]).map((k) => [k, k.includes('(owners)') ? role === 'owner' : builds(role)]),
      );
      expect(seen[role], role).toEqual(expected);
    }
    expect([builds('owner'), builds('editor'), builds('finance'), builds('viewer')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  }, 120_000);
});

describe('the page editor, app settings, Payments, Members, Mailbox, a flow’s panels and Events follow the role too', () => {
  const env = withDbAndSandbox(240_000);

  it('each shows its build, money and owner buttons only to the roles the policy table admits', async () => {
    const { handle } = env;
    const owner = await signUpBuilder(handle, 'olive');
    const project = await owner.caller.project.create({ name: 'Role shop 2', slug: `roles2-${uniqueSuffix()}` });
    const projectId = project.id;
    const members: Record<MemberRole, typeof owner.caller> = { owner: owner.caller } as never;
    for (const role of ['editor', 'finance', 'viewer'] as const) {
      const person = await signUpBuilder(handle, role);
      await addMember(handle.db, projectId, person.user.id, role);
      members[role] = person.caller;
    }
    // A page published twice (so an older version can be made live again).
    const page = await owner.caller.pages.create({ projectId, title: 'Pricing' });
    await owner.caller.pages.publish({ projectId, pageId: page.id });
    await owner.caller.pages.publish({ projectId, pageId: page.id });
    // Payments on, on a sandbox Stripe account, with a product and a discount.
    await owner.caller.dataModel.createTable({
      projectId,
      name: 'orders',
      columns: [
        { name: 'title', type: 'text' },
        { name: 'amount', type: 'integer' },
      ],
    });
    const account = await env.sandbox.createAccount();
    await owner.caller.payments.saveKeys({
      projectId,
      publishableKey: account.publishableKey,
      secretKey: account.secretKey,
      apiBase: 'sandbox',
    });
    await owner.caller.payments.activate({ projectId, orderTable: 'orders', confirmPermanent: true });
    await owner.caller.payments.createProduct({
      projectId,
      name: 'Mug',
      price: { amount: '9.50', currency: 'usd', interval: null },
    });
    await owner.caller.payments.createCoupon({ projectId, name: 'Launch', percentOff: '10', duration: 'once' });
    // An automation published twice; a message from Stripe starts it, and that run fails for good.
    const flow = await owner.caller.flows.create({ projectId, name: 'Record charges', events: ['charge.succeeded'] });
    await owner.caller.flows.publish({ projectId, flowId: flow.id });
    await owner.caller.flows.publish({ projectId, flowId: flow.id });
    const secret = `whsec_roles_${uniqueSuffix()}`;
    const { endpoint } = await createWebhookEndpoint(handle.db, {
      projectId,
      purpose: 'custom',
      flowId: flow.id,
      enabledEvents: ['charge.succeeded'],
      secret,
    });
    const rawBody = JSON.stringify({
      id: `evt_${uniqueSuffix()}`,
      object: 'event',
      type: 'charge.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'ch_roles', object: 'charge' } },
    });
    const delivered = await ingestStripeWebhook(handle, {
      endpointId: endpoint.id,
      rawBody,
      signatureHeader: stripeSignatureHeader(rawBody, secret),
      contentType: 'application/json',
      logger: createLogger({ TILLFLOW_LOG_LEVEL: 'error' }),
    });
    expect(delivered.status).toBe(200);
    const [received] = await owner.caller.events.list({ projectId });
    expect(received.runs).toHaveLength(1);
    await handle.query(`update flow_run set status = 'failed', error = 'boom' where id = $1`, [received.runs[0].id]);
    const loaded = await owner.caller.flows.get({ projectId, flowId: flow.id });

    /** What each screen shows, next to the procedure its button calls. */
    const seen: Record<MemberRole, Record<string, [shown: boolean, procedure: string]>> = {} as never;
    for (const role of ['owner', 'editor', 'finance', 'viewer'] as const) {
      const show = screenAs(role, members[role]);
      const button = (name: string | RegExp) => screen.queryAllByRole('button', { name }).length > 0;
      const enabled = (label: string) => !screen.getByLabelText(label).matches(':disabled');
      const row: Record<string, [boolean, string]> = {};

      await show(<PageEditor projectId={projectId} pageId={page.id} />, () =>
        screen.getByRole('heading', { name: 'Pricing', level: 1 }),
      );
      await waitFor(() => screen.getByText(/^Version 1 ·/));
      row['Page editor: Publish'] = [button('Publish'), 'pages.publish'];
      row['Page editor: Undo'] = [button('Undo'), 'pages.saveDraft'];
      row['Page editor: block palette'] = [
        screen.queryByRole('heading', { name: 'Blocks' }) !== null,
        'pages.saveDraft',
      ];
      row['Page editor: Title field'] = [enabled('Title'), 'pages.saveDraft'];
      row['Page editor: Who can open it'] = [enabled('Who can open it'), 'pages.saveDraft'];
      row['Page editor: Make live again'] = [button('Make live again'), 'pages.rollback'];
      cleanup();

      await show(<AppSettingsPage projectId={projectId} />, () =>
        expect((screen.getByLabelText('App title') as HTMLElement).closest('form')?.hidden).toBe(false),
      );
      row['App: Save catalog'] = [button('Save catalog'), 'appSettings.save'];
      row['App: App title field'] = [enabled('App title'), 'appSettings.save'];
      cleanup();

      await show(<PaymentsPage projectId={projectId} />, () => {
        screen.getByRole('heading', { name: 'Payments are on' });
        screen.getByRole('listitem', { name: 'Mug' });
        screen.getByRole('listitem', { name: 'Launch' });
        screen.getByLabelText('Amount column');
      });
      row['Payments: Save Stripe keys form'] = [
        screen.queryByText('Only the project’s owners can see or change the Stripe keys.') === null,
        'payments.saveKeys',
      ];
      row['Payments: Save what orders cost'] = [button('Save what orders cost'), 'payments.saveOrderBinding'];
      row['Payments: Amount column'] = [enabled('Amount column'), 'payments.saveOrderBinding'];
      row['Payments: Save branding'] = [button('Save branding'), 'payments.saveBranding'];
      row['Payments: Brand name'] = [enabled('Brand name'), 'payments.saveBranding'];
      row['Payments: Archive a product'] = [button('Archive Mug'), 'payments.archiveProduct'];
      row['Payments: Add a price'] = [button('Add a price to Mug'), 'payments.addPrice'];
      row['Payments: New product'] = [
        screen.queryByRole('form', { name: 'New product' }) !== null,
        'payments.createProduct',
      ];
      row['Payments: Add a code'] = [button('Add a code to Launch'), 'payments.addPromotionCode'];
      row['Payments: Delete a discount'] = [button('Delete discount Launch'), 'payments.deleteCoupon'];
      row['Payments: New discount'] = [
        screen.queryByRole('form', { name: 'New discount' }) !== null,
        'payments.createCoupon',
      ];
      row['Payments: Check against Stripe'] = [button('Check against Stripe'), 'payments.reconcile'];
      cleanup();

      await show(<Members projectId={projectId} />, () =>
        screen.getByRole('cell', { name: /^viewer-.*@example\.test$/ }),
      );
      row['Members: Remove'] = [button('Remove'), 'members.remove'];
      row['Members: Hand over ownership'] = [button('Hand over ownership'), 'members.transferOwnership'];
      row['Members: change a role'] = [
        screen.queryAllByRole('combobox', { name: /^Role of / }).length > 0,
        'members.setRole',
      ];
      row['Members: Invite someone'] = [
        screen.queryByRole('heading', { name: 'Invite someone' }) !== null,
        'members.invite',
      ];
      row['Members: review before publish switch'] = [
        screen.queryByRole('checkbox') !== null,
        'members.setPublishReview',
      ];
      // Anyone may leave (the server keeps the last owner).
      row['Members: Leave project'] = [button('Leave project'), 'members.leave'];
      cleanup();

      await show(<MailboxPage projectId={projectId} />, () => screen.getByText('No mail yet.'));
      row['Mailbox: Clear mailbox'] = [button('Clear mailbox'), 'mailbox.clear'];
      row['Mailbox: SMTP settings'] = [button('Save SMTP settings'), 'mailbox.saveSettings'];
      cleanup();

      await show(
        <>
          <TestPanel projectId={projectId} flowId={flow.id} definition={loaded.draft} onResult={vi.fn()} />
          <VersionsPanel projectId={projectId} flowId={flow.id} revision={{ current: loaded.revision }} />
          <RunsPanel projectId={projectId} flowId={flow.id} onShow={vi.fn()} />
        </>,
        () => {
          screen.getByText('Version 1');
          screen.getByRole('cell', { name: 'Failed' });
        },
      );
      row['Automation: Run test'] = [button('Run test'), 'flows.testRun'];
      row['Automation: Roll back'] = [button('Roll back to version 1'), 'flows.rollback'];
      row['Automation: Retry a run'] = [button('Retry'), 'flows.retryRun'];
      cleanup();

      const nothing = () => undefined;
      await show(
        <FlowToolbar
          projectId={projectId}
          name="Record charges"
          system={false}
          saveState="saved"
          problemCount={0}
          canUndo
          canRedo
          hasSelectedNodes
          hasSelection
          panel="palette"
          publishing={false}
          onUndo={nothing}
          onRedo={nothing}
          onCopy={nothing}
          onPaste={nothing}
          onDuplicate={nothing}
          onDelete={nothing}
          onLayout={nothing}
          onFit={nothing}
          onPanel={nothing}
          onPublish={nothing}
        />,
        () => screen.getByRole('button', { name: 'Zoom to fit' }),
      );
      for (const tool of ['Undo', 'Redo', 'Paste', 'Duplicate', 'Delete', 'Auto-layout'])
        row[`Automation toolbar: ${tool}`] = [button(tool), 'flows.saveDraft'];
      cleanup();

      await show(<EventsPage projectId={projectId} />, () => {
        expect(screen.getAllByRole('cell', { name: 'A card is charged' })).toHaveLength(2);
        screen.getByRole('table', { name: 'Runs that failed for good' });
        expect(screen.getAllByRole('link', { name: /Record charges/ })).toHaveLength(2);
      });
      row['Events: Replay'] = [button(/^Replay: /), 'events.replay'];
      row['Events: Retry a run that failed for good'] = [button(/^Retry the .* run$/), 'flows.retryRun'];
      cleanup();
      seen[role] = row;
    }
    for (const role of ['owner', 'editor', 'finance', 'viewer'] as const) {
      const shown = Object.fromEntries(Object.entries(seen[role]).map(([k, [s]]) => [k, s]));
      const expected = Object.fromEntries(Object.entries(seen[role]).map(([k, [, p]]) => [k, roleMayCall(p, role)]));
      expect(shown, role).toEqual(expected);
    }
    // The table really differs by role here: owners see everything, viewers none of it but leaving.
    expect(Object.values(seen.owner).every(([s]) => s)).toBe(true);
    expect(
      Object.entries(seen.viewer)
        .filter(([, [s]]) => s)
        .map(([k]) => k),
    ).toEqual(['Members: Leave project']);
    expect(seen.finance['Payments: Check against Stripe'][0]).toBe(true);
    expect(seen.editor['Payments: Check against Stripe'][0]).toBe(false);
  }, 180_000);
});
