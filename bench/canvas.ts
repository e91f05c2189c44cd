// npm run bench -- canvas
// canvas_open_ms_200: median ms from navigating to a 200-node flow's canvas until all 200 nodes are drawn.
// canvas_drag_ms_200: median ms per drag frame (one mouse move while dragging a node, until the next painted frame).
// Runs the production build (`node scripts/start.mjs`, which builds first if sources changed) on a free port
// with a throwaway data folder, and Debian's Chromium through playwright-core.
import type { FlowDefinition } from '@tillflow/flow-model';
import { builderWithProject, median, startBrowserStudio, trpc } from './lib/browser-studio';

const NODES = 200;
const OPENS = Number(process.env.BENCH_OPENS ?? 5);
const DRAG_FRAMES = 40;

/** trigger → 20 columns of chained nodes (a mix of types), 200 nodes in all, laid out on a grid. */
export function bigFlow(count = NODES): FlowDefinition {
  const columns = 20;
  const nodes: FlowDefinition['graph']['nodes'] = [
    { id: 'trigger', type: 'trigger', label: 'Trigger', config: {}, position: { x: (columns * 280) / 2, y: 0 } },
  ];
  const edges: FlowDefinition['graph']['edges'] = [];
  for (let i = 1; i < count; i++) {
    const col = (i - 1) % columns;
    const row = Math.floor((i - 1) / columns);
    const id = `n${i}`;
    const kind = i % 3;
    nodes.push({
      id,
      type: kind === 0 ? 'set_variables' : kind === 1 ? 'http_request' : 'stop',
      label: `Step ${i}`,
      config:
        kind === 0
          ? { variables: { [`v${i}`]: '{{ trigger.data.object.id }}' } }
          : kind === 1
            ? { method: 'POST', url: `https://example.test/hook/${i}`, headers: {}, timeoutMs: 5000 }
            : { outcome: 'success', message: `done ${i}` },
      position: { x: col * 280, y: 160 + row * 160 },
    });
    const above = row === 0 ? 'trigger' : `n${i - columns}`;
    const aboveIsStop = row > 0 && (i - columns) % 3 === 2;
    // A stop node ends its branch; the next node in the column then hangs off the trigger.
    edges.push({ id: `e${i}`, source: aboveIsStop ? 'trigger' : above, target: id });
  }
  return { trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] }, graph: { nodes, edges } };
}

const { base, browser, stop } = await startBrowserStudio('canvas');
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const project = await builderWithProject(page, base, 'Canvas bench');
  const flow = await trpc<{ id: string }>(page, base, 'flows.create', { projectId: project.id, name: 'Big flow' });
  await trpc(page, base, 'flows.saveDraft', {
    projectId: project.id,
    flowId: flow.id,
    definition: bigFlow(),
    expectedRevision: 1,
  });
  const url = `${base}/projects/${project.id}/flows/${flow.id}`;
  await page.goto(url); // warm-up: compiles nothing in production, but fills caches as a returning builder would
  await page
    .locator('.react-flow__node')
    .nth(NODES - 1)
    .waitFor();

  const opens: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(url);
    await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length >= n, NODES);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    opens.push(performance.now() - started);
  }

  const frames: number[] = [];
  const box = await page.locator('.react-flow__node[data-id="n1"]').boundingBox();
  if (!box) throw new Error('node n1 is not on screen');
  const x = box.x + box.width / 2;
  const y = box.y + 10;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= DRAG_FRAMES; i++) {
    const started = performance.now();
    await page.mouse.move(x + i * 4, y + i * 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    frames.push(performance.now() - started);
  }
  await page.mouse.up();

  console.log(`canvas_open_ms_200: ${Math.round(median(opens))}`);
  console.log(`canvas_drag_ms_200: ${median(frames).toFixed(1)}`);
} finally {
  await stop();
}
