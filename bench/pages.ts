// npm run bench -- pages
// A builder-made "My orders" page over a 10 000-row order table owned by 4 end users, as one of them ("only rows I
// own" and the role's row scope 'own' both apply):
// page_render_ms_p50 / page_render_ms_p95 / page_render_ms_p99: server render of the published page (renderPage:
//   a heading and a live data list of 50 rows, each with text, a price, a status badge and a button whose update
//   step the role may do), the same call the generated app's first paint and every live refresh make. Target p95 ≤ 50.
// page_action_ms_p50 / page_action_ms_p95: a button press (runPageAction: the published page read, the row re-read
//   as the caller through the list's own filters, an update_row step, a message back).
// app_call_ms_p50 / app_call_ms_p95: a button that runs an actionflow (call_flow → callAppFlow: a durable flow_run
//   held by this call, a query node as the caller, "Return to the app"), end to end from the press.
// page_editor_open_ms_100: median ms from navigating to the studio's editor of a 100-block page until its outline
//   lists all 100 blocks and the frame after is painted (production build through scripts/start.mjs, which builds
//   first if sources changed, with a throwaway data folder; Debian's Chromium via playwright-core). Target ≤ 1000.
//   BENCH_PAGES_EDITOR=0 skips it (no build, no browser).
import { randomBytes } from 'node:crypto';
import {
  createEndUser,
  createTable,
  dropProjectSchema,
  getTable,
  provisionProjectSchema,
  setOwnerColumn,
  setTablePermission,
} from '@tillflow/data-model';
import { authUser, createDb, projects } from '@tillflow/db';
import type { Block } from '@tillflow/page-model';
import { createFlow, createRunServices } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import { runPageAction } from '../apps/studio/src/server/pages/actions';
import { renderPage } from '../apps/studio/src/server/pages/render';
import { createPage, getPublishedPage, publishPage } from '../apps/studio/src/server/pages/store';
import { builderWithProject, median, startBrowserStudio, trpc } from './lib/browser-studio';

const ROWS = 10_000;
const EDITOR_OPENS = Number(process.env.BENCH_OPENS ?? 5);
const RENDERS = Number(process.env.BENCH_RENDERS ?? 60);
const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 30);

const handle = process.env.DATABASE_URL ? await createDb() : await createDb({ pgliteDir: 'memory' });
const suffix = randomBytes(5).toString('hex');
const [owner] = await handle.db
  .insert(authUser)
  .values({ id: `bench_${suffix}`, name: 'Bench', email: `bench-${suffix}@example.test` })
  .returning();
const project = await handle.db.transaction(async (tx) => {
  const [p] = await tx
    .insert(projects)
    .values({ ownerId: owner.id, name: 'Bench', slug: `bench-${suffix}`, schemaName: `bench_${suffix}` })
    .returning();
  await provisionProjectSchema(tx, p);
  return p;
});
const services = createRunServices({ database: handle });

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
};

try {
  const db = handle.db;
  const users = [];
  for (let i = 0; i < 4; i++) users.push(await createEndUser(db, project.id, { email: `buyer${i}@bench.test` }));
  await createTable(db, project.id, {
    name: 'order',
    columns: [
      {
        name: 'status',
        type: 'enum',
        enumOptions: ['pending', 'paid', 'refunded'],
        required: true,
        default: 'pending',
      },
      { name: 'amount', type: 'integer', required: true },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
      { name: 'note', type: 'text' },
    ],
  });
  await setOwnerColumn(db, project.id, 'order', 'buyer');
  for (const operation of ['read', 'update'] as const)
    await setTablePermission(db, project.id, { role: 'user', table: 'order', operation, allowed: true, scope: 'own' });
  const table = await getTable(db, project.id, 'order');
  const col = (name: string) => `"${table.columns.find((c) => c.name === name)?.physicalName}"`;
  await handle.query(
    `insert into "${table.schemaName}"."${table.physicalName}" (${col('status')}, ${col('amount')}, ${col('buyer')}, ${col('note')})
     select (array['pending','paid','refunded'])[1 + g % 3], 100 + (g * 7919) % 10000, ($1::int[])[1 + g % 4], 'order ' || g
     from generate_series(1, ${ROWS}) g`,
    [users.map((u) => u.id)],
  );
  await handle.query(`analyze "${table.schemaName}"."${table.physicalName}"`);

  const flow = await createFlow(db, {
    projectId: project.id,
    name: 'Count',
    kind: 'custom',
    publish: true,
    definition: {
      trigger: {
        kind: 'app_call',
        inputs: [{ name: 'order', type: 'number' }],
        outputs: [{ name: 'found', type: 'number' }],
        roles: [],
      },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
          {
            id: 'find',
            type: 'query_rows',
            config: { table: 'order', filters: [{ column: 'id', op: 'eq', value: '{{ trigger.inputs.order }}' }] },
            position: { x: 0, y: 100 },
          },
          {
            id: 'answer',
            type: 'app_return',
            config: { values: { found: '{{ nodes.find.count }}' } },
            position: { x: 0, y: 200 },
          },
        ],
        edges: [
          { id: 'e1', source: 'trigger', target: 'find' },
          { id: 'e2', source: 'find', target: 'answer' },
        ],
      },
    },
  });

  const page = await createPage(db, project.id, {
    title: 'My orders',
    path: '/orders',
    access: { kind: 'signed_in' },
    blocks: [
      { id: 'title', kind: 'heading', props: { text: 'My orders', level: '1' } },
      {
        id: 'mine',
        kind: 'data_list',
        props: { table: 'order', onlyMine: true, pageSize: 50 },
        children: [
          { id: 'note', kind: 'text', props: { text: '{{ item.note }}' } },
          { id: 'amount', kind: 'money', props: { amount: '{{ item.amount }}' } },
          { id: 'state', kind: 'badge', props: { text: '{{ item.status }}', colors: { paid: 'green' } } },
          {
            id: 'touch',
            kind: 'button',
            props: {
              label: 'Mark seen',
              onClick: {
                steps: [{ type: 'update_row', table: 'order', rowId: '{{ item.id }}', values: { note: 'seen' } }],
                onSuccess: [{ type: 'show_message', text: 'Done' }],
              },
            },
          },
          {
            id: 'count',
            kind: 'button',
            props: {
              label: 'Check',
              onClick: {
                steps: [{ type: 'call_flow', id: 'c', flowId: flow.id, inputs: { order: '{{ item.id }}' } }],
                onSuccess: [{ type: 'show_message', text: 'Found {{ results.c.found }}' }],
              },
            },
          },
        ],
      },
    ],
  });
  await publishPage(db, project.id, page.id);
  const published = (await getPublishedPage(db, project.id, page.id)).definition;
  const me = { kind: 'endUser' as const, userId: users[1].id, role: 'user' };
  const where = { id: project.id, slug: project.slug };

  for (let i = 0; i < 5; i++) await renderPage(handle, where, me, published, {}, '/orders'); // warm-up
  const renders: number[] = [];
  let itemIds: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    const t0 = performance.now();
    const view = await renderPage(handle, where, me, published, {}, '/orders');
    renders.push(performance.now() - t0);
    const list = view.blocks.find((b) => b.kind === 'data_list');
    if (list?.kind !== 'data_list' || list.items.length !== 50) throw new Error('the list did not render 50 rows');
    itemIds = list.items.map((item) => item.rowId);
  }

  const press = async (blockId: string, itemId: number, expect: string) => {
    const t0 = performance.now();
    const result = await runPageAction(services as never, where, me, {
      pageId: page.id,
      blockId,
      path: '/orders',
      itemId,
    });
    const ms = performance.now() - t0;
    const text = result.effects[0]?.kind === 'message' ? result.effects[0].text : '';
    if (!result.ok || text !== expect) throw new Error(`${blockId}: ${JSON.stringify(result)}`);
    return ms;
  };
  const actions: number[] = [];
  const calls: number[] = [];
  for (let i = 0; i < ACTIONS; i++) {
    actions.push(await press('touch', itemIds[i % itemIds.length], 'Done'));
    calls.push(await press('count', itemIds[i % itemIds.length], 'Found 1'));
  }
  const r = stats(renders);
  const a = stats(actions);
  const c = stats(calls);
  console.log(`driver: ${handle.driver}`);
  console.log(`page_render_ms_p50: ${r.p50}`);
  console.log(`page_render_ms_p95: ${r.p95}`);
  console.log(`page_render_ms_p99: ${r.p99}`);
  console.log(`page_action_ms_p50: ${a.p50}`);
  console.log(`page_action_ms_p95: ${a.p95}`);
  console.log(`app_call_ms_p50: ${c.p50}`);
  console.log(`app_call_ms_p95: ${c.p95}`);
} finally {
  await services.code.close();
  await handle.db.transaction(async (tx) => {
    await dropProjectSchema(tx, project);
    await tx.delete(projects).where(eq(projects.id, project.id));
    await tx.delete(authUser).where(eq(authUser.id, owner.id));
  });
  await handle.close();
}

/** 20 groups of a stack holding a heading, a text, a badge and a button: 100 blocks. */
function hundredBlocks(): Block[] {
  return Array.from({ length: 20 }, (_, g) => ({
    id: `group_${g}`,
    kind: 'stack',
    props: {},
    children: [
      { id: `heading_${g}`, kind: 'heading', props: { text: `Section ${g}`, level: '2' } },
      { id: `text_${g}`, kind: 'text', props: { text: 'Signed in as {{ user.email }}' } },
      { id: `badge_${g}`, kind: 'badge', props: { text: 'paid', colors: { paid: 'green' } } },
      {
        id: `button_${g}`,
        kind: 'button',
        props: { label: `Say ${g}`, onClick: { steps: [{ type: 'show_message', text: `Hello ${g}` }] } },
      },
    ],
  })) as Block[];
}

if (process.env.BENCH_PAGES_EDITOR !== '0') {
  const { base, browser, stop } = await startBrowserStudio('pages');
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const project = await builderWithProject(page, base, 'Pages bench');
    const created = await trpc<{ id: number; draftRevision: number }>(page, base, 'pages.create', {
      projectId: project.id,
      title: 'Big page',
    });
    await trpc(page, base, 'pages.saveDraft', {
      projectId: project.id,
      pageId: created.id,
      definition: { title: 'Big page', path: '/big', access: { kind: 'public' }, blocks: hundredBlocks() },
      expectedRevision: created.draftRevision,
    });
    const url = `${base}/projects/${project.id}/pages/${created.id}`;
    const outlined = () =>
      page.waitForFunction(
        () => document.querySelectorAll('section[aria-labelledby="outline-title"] li > button').length >= 100,
      );
    await page.goto(url); // warm-up, as a returning builder's caches would be
    await outlined();
    const opens: number[] = [];
    for (let i = 0; i < EDITOR_OPENS; i++) {
      await page.goto('about:blank');
      const started = performance.now();
      await page.goto(url);
      await outlined();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      opens.push(performance.now() - started);
    }
    console.log(`page_editor_open_ms_100: ${Math.round(median(opens))}`);
  } finally {
    await stop();
  }
}
