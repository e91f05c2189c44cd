import { readFileSync } from 'node:fs';
import { type DbHandle, flows as flowRows, flowVersions } from '@tillflow/db';
import { BINDING_KEYS, type FlowDefinition, systemFlowEvents } from '@tillflow/flow-model';
import { listFlows, stampExistingFlowBindings } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradePaymentsProjects } from '../src/maintenance';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

// An upgrade brings an older project's payments up to this release, but only by adding: missing system flows,
// missing trigger events on the system flows, system-table columns, and the ids flows bind tables by. It never
// replaces or removes a node, an edge or a setting a builder may have edited. The fixture is what the previous
// release's templates (commit 29009f0, `buildSystemFlow` for an order table whose status is
// pending/paid/refunded/cancelled) generated at activation.

const previousTemplate = JSON.parse(
  readFileSync(new URL('./fixtures/system-flows-29009f0.json', import.meta.url), 'utf8'),
) as Record<string, FlowDefinition>;

let handle: DbHandle;
let sandbox: Sandbox;
beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
});
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

/** The graph without the binding ids an upgrade may add (they name which table a node meant, nothing else). */
const graphOf = (definition: FlowDefinition) => ({
  nodes: definition.graph.nodes.map((n) => ({
    ...n,
    config: Object.fromEntries(
      Object.entries(n.config ?? {}).filter(([k]) => !(BINDING_KEYS as readonly string[]).includes(k)),
    ),
  })),
  edges: definition.graph.edges,
});

describe('an upgrade keeps a project’s own system flows', () => {
  it('a project made with the previous template, then edited by its builder, keeps every node on upgrade; only documented additions are made', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    const db = handle.db;
    const systemFlows = (await listFlows(db, project.id)).filter((f) => f.kind === 'system');
    expect(systemFlows).toHaveLength(Object.keys(previousTemplate).length);

    // What the project looked like under the previous release, with its builder's edits.
    const edited: Record<string, FlowDefinition> = structuredClone(previousTemplate);
    // StripePayment: the receipt's subject reworded, and a node of the builder's own after "mark paid".
    const payment = edited.StripePayment;
    const receipt = payment.graph.nodes.find((n) => n.id === 'send_receipt');
    if (!receipt) throw new Error('the previous template had a receipt node');
    receipt.config = { ...receipt.config, subject: 'Thanks from Crumb Bakery!' };
    payment.graph.nodes.push({
      id: 'remember',
      type: 'set_variables',
      label: 'Remember the order',
      config: { variables: { order: '{{ nodes.callback.orderId }}' } },
      position: { x: 400, y: 400 },
    });
    payment.graph.edges.push({ id: 'mine', source: 'update_order', target: 'remember' });
    // StripeDispute: the builder deleted the default admin email.
    const dispute = edited.StripeDispute;
    dispute.graph.nodes = dispute.graph.nodes.filter((n) => n.id !== 'email_admin');
    dispute.graph.edges = dispute.graph.edges.filter((e) => e.target !== 'email_admin');
    // StripeRefund: as an even older release, without charge.refund.updated (the upgrade adds such events).
    const refund = edited.StripeRefund;
    if (refund.trigger.kind !== 'stripe_webhook') throw new Error('webhook trigger');
    refund.trigger = { ...refund.trigger, events: refund.trigger.events.filter((e) => e !== 'charge.refund.updated') };

    for (const flow of systemFlows) {
      const definition = edited[flow.systemKind as string];
      await db.update(flowRows).set({ draft: definition, trigger: definition.trigger }).where(eq(flowRows.id, flow.id));
      await db
        .update(flowVersions)
        .set({ definition })
        .where(eq(flowVersions.id, String(flow.publishedVersionId)));
    }

    // Start-up, twice (the second changes nothing).
    for (let i = 0; i < 2; i++) {
      await stampExistingFlowBindings(db);
      const report = await upgradePaymentsProjects(paymentServices(handle));
      expect(report.find((r) => r.projectId === project.id)).toEqual({ projectId: project.id });
    }

    const after = (await listFlows(db, project.id)).filter((f) => f.kind === 'system');
    expect(after.map((f) => f.id).sort()).toEqual(systemFlows.map((f) => f.id).sort());
    for (const flow of after) {
      const kind = flow.systemKind as keyof typeof systemFlowEvents;
      const before = edited[kind];
      const [published] = await db
        .select()
        .from(flowVersions)
        .where(eq(flowVersions.id, String(flow.publishedVersionId)));
      for (const definition of [flow.draft as FlowDefinition, published.definition as FlowDefinition]) {
        // Every node (configs included) and every edge as the builder left them: nothing replaced, nothing restored.
        expect(graphOf(definition), `${kind}: nodes and edges`).toEqual(graphOf(before));
        // Events only added, and only the ones this release's flow handles.
        const events = definition.trigger.kind === 'stripe_webhook' ? definition.trigger.events : [];
        const had = before.trigger.kind === 'stripe_webhook' ? before.trigger.events : [];
        expect(events.slice(0, had.length), `${kind}: events kept in order`).toEqual(had);
        expect(new Set(events), `${kind}: this release's events`).toEqual(new Set([...had, ...systemFlowEvents[kind]]));
      }
      // The nodes that read the order table now bind it by id (additive: the name stays as it was).
      const bound = (flow.draft as FlowDefinition).graph.nodes.filter(
        (n) => 'orderTable' in n.config || 'table' in n.config,
      );
      expect(bound.every((n) => typeof n.config.tableId === 'number')).toBe(true);
    }
    const refundAfter = after.find((f) => f.systemKind === 'StripeRefund');
    expect((refundAfter?.trigger as { events?: string[] } | undefined)?.events).toContain('charge.refund.updated');
  });
});
