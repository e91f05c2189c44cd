import { createEndUser, createRole, queryRows, setTablePermission } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { type FlowDefinition, validateFlow } from '@tillflow/flow-model';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAppFlow, createFlow, createRunServices, listAppCallableFlows, type RunServices } from '../src';
import { createRuntimeProject } from './harness';

let handle: DbHandle;
let services: RunServices;
let projectId: number;
let flowId: string;
let shopper: { userId: number; email: string; role: string };
let guest: { userId: number; email: string; role: string };

/** inputs note (text) + amount (number) → inserts a ledger row as the caller → returns its id and amount doubled. */
function quoteFlow(roles: string[] = []): FlowDefinition {
  return {
    trigger: {
      kind: 'app_call',
      inputs: [
        { name: 'note', type: 'string' },
        { name: 'amount', type: 'number' },
      ],
      outputs: [
        { name: 'rowId', type: 'number' },
        { name: 'doubled', type: 'number' },
        { name: 'by', type: 'string' },
      ],
      roles,
    },
    graph: {
      nodes: [
        { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
        {
          id: 'insert',
          type: 'insert_row',
          config: {
            table: 'ledger',
            values: { event_id: '{{ trigger.inputs.note }}', note: 'app', amount: '{{ trigger.inputs.amount }}' },
          },
          position: { x: 200, y: 0 },
        },
        {
          id: 'answer',
          type: 'app_return',
          config: {
            values: {
              rowId: '{{ nodes.insert.row.id }}',
              doubled: '{{ trigger.inputs.amount * 2 }}',
              by: '{{ trigger.caller.email }}',
            },
          },
          position: { x: 400, y: 0 },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'insert' },
        { id: 'e2', source: 'insert', target: 'answer' },
      ],
    },
  };
}

const runsOf = (id: string) =>
  executeRows<{ status: string; trigger_payload: { caller: { userId: number } } }>(
    handle.db,
    sql`select status, trigger_payload from flow_run where flow_id = ${id} order by created_at`,
  );

beforeAll(async () => {
  handle = await createTestDb();
  services = createRunServices({ database: handle });
  projectId = (await createRuntimeProject(handle)).id;
  await createRole(handle.db, projectId, 'member');
  await createRole(handle.db, projectId, 'visitor');
  for (const operation of ['insert', 'read'] as const)
    await setTablePermission(handle.db, projectId, { role: 'member', table: 'ledger', operation, allowed: true });
  const a = await createEndUser(handle.db, projectId, { email: `m-${uniqueSuffix()}@example.test`, role: 'member' });
  const b = await createEndUser(handle.db, projectId, { email: `v-${uniqueSuffix()}@example.test`, role: 'visitor' });
  shopper = { userId: a.id, email: a.email, role: 'member' };
  guest = { userId: b.id, email: b.email, role: 'visitor' };
  flowId = (
    await createFlow(handle.db, { projectId, name: 'Quote', kind: 'custom', definition: quoteFlow(), publish: true })
  ).id;
});

afterAll(async () => {
  await services.code.close();
  await handle.close();
});

describe('flows called from the app (trigger app_call)', () => {
  it('runs the published flow as the caller, durably, and returns its declared outputs', async () => {
    const note = `n-${uniqueSuffix()}`;
    const result = await callAppFlow(services, { projectId, flowId, inputs: { note, amount: '21' }, caller: shopper });
    expect(result.outputs).toMatchObject({ doubled: 42, by: shopper.email });
    expect(typeof result.outputs.rowId).toBe('number');
    const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'event_id', op: 'eq', value: note }],
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: result.outputs.rowId, amount: 21 });
    // An ordinary run in the history: succeeded, released, with the caller in its payload and its steps recorded.
    const [run] = await executeRows<{ status: string; locked_by: string | null; lease_until: Date | null }>(
      handle.db,
      sql`select status, locked_by, lease_until from flow_run where id = ${result.runId}`,
    );
    expect(run).toMatchObject({ status: 'succeeded', lease_until: null });
    const steps = await executeRows<{ node_id: string; status: string }>(
      handle.db,
      sql`select node_id, status from flow_step where run_id = ${result.runId} order by node_id`,
    );
    expect(steps.map((s) => `${s.node_id}:${s.status}`)).toEqual([
      'answer:succeeded',
      'insert:succeeded',
      'trigger:succeeded',
    ]);
  });

  it('refuses inputs that are missing or of the wrong type with a message naming the input, and runs nothing', async () => {
    const before = (await runsOf(flowId)).length;
    await expect(
      callAppFlow(services, { projectId, flowId, inputs: { note: 'x', amount: 'lots' }, caller: shopper }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Quote: The input "amount" must be a number, not "lots".' });
    await expect(
      callAppFlow(services, { projectId, flowId, inputs: { amount: 3 }, caller: shopper }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Quote: The input "note" is missing: it needs text.' });
    await expect(
      callAppFlow(services, { projectId, flowId, inputs: { note: 'x', amount: 1, price: 1 }, caller: shopper }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Quote: This actionflow has no input "price".' });
    expect(await runsOf(flowId)).toHaveLength(before);
  });

  it('acts as the caller: a role without the table permission fails the run and writes nothing', async () => {
    const note = `g-${uniqueSuffix()}`;
    await expect(
      callAppFlow(services, { projectId, flowId, inputs: { note, amount: 1 }, caller: guest }),
    ).rejects.toMatchObject({ code: 'NODE_FAILED' });
    const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'event_id', op: 'eq', value: note }],
    });
    expect(rows).toHaveLength(0);
    const runs = await runsOf(flowId);
    expect(runs.at(-1)).toMatchObject({ status: 'failed', trigger_payload: { caller: { userId: guest.userId } } });
  });

  it('refuses a role the flow does not list, and a flow that is not called from the app', async () => {
    const limited = await createFlow(handle.db, {
      projectId,
      name: 'Members only',
      kind: 'custom',
      definition: quoteFlow(['member']),
      publish: true,
    });
    await expect(
      callAppFlow(services, { projectId, flowId: limited.id, inputs: { note: 'x', amount: 1 }, caller: guest }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Your role may not run "Members only".' });
    const manual = await createFlow(handle.db, {
      projectId,
      name: 'Manual',
      kind: 'custom',
      definition: { trigger: { kind: 'manual' }, graph: quoteFlow().graph },
      publish: true,
      skipValidation: true,
    });
    await expect(
      callAppFlow(services, { projectId, flowId: manual.id, inputs: {}, caller: shopper }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const callable = await listAppCallableFlows(handle.db, projectId);
    expect(callable.map((f) => f.name)).toEqual(['Members only', 'Quote']);
    expect(callable[1]).toMatchObject({ inputs: quoteFlow().trigger.kind === 'app_call' ? expect.any(Array) : [] });
  });

  it('validates the return node against the declared outputs', () => {
    expect(validateFlow(quoteFlow())).toEqual([]);
    const wrong = quoteFlow();
    const answer = wrong.graph.nodes[2];
    answer.config = { values: { rowId: '{{ trigger.caller.email }}', extra: 1 } };
    const codes = validateFlow(wrong).map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(['missing_output', 'unknown_output', 'binding_type_mismatch']));
    const outside = { ...quoteFlow(), trigger: { kind: 'manual' as const } };
    expect(validateFlow(outside).map((i) => i.code)).toContain('return_without_app_call');
    const noReturn = quoteFlow();
    noReturn.graph.nodes.pop();
    noReturn.graph.edges.pop();
    expect(validateFlow(noReturn).map((i) => i.code)).toContain('missing_return');
  });
});
