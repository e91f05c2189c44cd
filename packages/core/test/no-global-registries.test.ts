import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRelative, repoSources } from './repo-sources';

// Services are passed in (createServices in @tillflow/payments; RunServices through the node context), never set
// on a module at boot. This scan fails when a new setter-style export or module-level mutable state appears in
// packages/*/src or apps/*/src: either pass the thing in, or (for a cache that nobody fills from outside) add it
// below with the reason it is not a registry.

/** Module-level state that is not filled at boot, each with why. Keyed `file: name`. */
const ALLOWED: Record<string, string> = {
  'packages/core/src/secret-box.ts: cachedKey': 'the key read once from its file or setting',
  'packages/core/src/egress.ts: processGuard': 'the default guard built from settings on first use',
  'packages/core/src/money.ts: formatters': 'Intl formatter cache',
  'packages/payments/src/check.ts: lastReports':
    "each project's last Check-against-Stripe report (read back by the studio)",
  'packages/payments/src/worker-cli.ts: stopping': 'the entry point itself: shutdown in progress',
  'packages/realtime/src/hub.ts: hubs': 'one change hub per database handle, made on first use',
  'packages/runtime/src/signals.ts: holder': 'in-process wake-up emitter for workers (Next bundles share it)',
  'packages/data-model/src/metadata.ts: metadataCache':
    "each project's table metadata, checked against its metadata_version on every read",
  'packages/data-model/src/metadata.ts: pinnedVersions':
    "a run transaction's checked metadata versions, reused for its later statements (weak)",
  'packages/data-model/src/metadata.ts: lastChecked':
    'per project, the metadata entry its last version check found (bounded; statements that check the version themselves)',
  'packages/data-model/src/metadata.ts: readAtVersion': 'the metadata version each cached table was read at (weak)',
  'packages/runtime/src/signals.ts: notifiers': 'per-handle coalesced NOTIFY of queued runs (weak)',
  'packages/runtime/src/ack-batches.ts: batchers':
    'per handle, the acknowledgements waiting to be stored together (weak; made on first use)',
  'packages/data-model/src/change-notices.ts: notifiers':
    'per handle and project, the coalesced NOTIFY of changes a run committed (weak per handle)',
  'packages/data-model/src/metadata.ts: deferringNotices':
    'run transactions whose first metadata check also turns the trigger NOTIFY off (weak)',
  'packages/runtime/src/endpoints.ts: plainCache': 'opened webhook secrets cache',
  'packages/runtime/src/ingest.ts: touched': 'throttle for last-delivery timestamps',
  'packages/runtime/src/code-worker.mjs: baseHeapBytes': "a sandbox thread's own heap baseline",
  'packages/runtime/src/routing-cache.ts: routingCache': 'endpoint → subscribed flows cache (invalidated on publish)',
  'apps/studio/src/app/projects/[projectId]/flows/_components/config-panel.tsx: schemaCache':
    'form schema cache (browser)',
  'packages/runtime/src/crash-points.ts: stepCommits': 'test crash-point counter',
  'packages/runtime/src/run-queue.ts: definitions': 'flow version definitions cache (immutable rows)',
  'packages/runtime/src/metrics.ts: holder': 'the prom-client metrics, made once per process',
  'packages/runtime/src/engine.ts: permanentFlags': 'per-step result annotations (weak)',
  'packages/runtime/src/engine.ts: retryAfterOf': 'per-step result annotations (weak)',
  'packages/flow-model/src/stripe-api.ts: byId':
    'read-only index of the generated Stripe API operations by id (built once at load, never written)',
  'packages/stripe-sandbox/src/events.ts: createdSincePrune': 'prune counter',
  'packages/stripe-sandbox/src/idempotency.ts: writesSincePrune': 'prune counter',
  'packages/stripe-sandbox/src/form-decode.ts: PATHS': 'each decoded params object remembers its bracketed path (weak)',
  'packages/stripe-sandbox/src/store.ts: ORDER': "each collection record's objects in creation order (weak)",
  'packages/stripe-sandbox/src/search.ts: INDEXES':
    "each collection's search field indexes, rebuilt after changes (weak)",
  'apps/studio/src/server/health.ts: gaugesFor': 'the handle whose gauges are registered (once)',
  'apps/studio/src/server/operations.ts: holder':
    "the studio's running workers, started once by boot from its services",
  'apps/studio/src/server/http/client-address.ts: globalForStamp': 'diagnostics hook installed once',
  'apps/studio/src/server/generated-app/auth.ts: dummy': 'a dummy hash for constant-time refusals',
  'apps/studio/src/server/api/sse.ts: encoded': 'per-event encoding cache (weak)',
  'apps/studio/src/server/auth.ts: globalForAuth': 'better-auth instance made on first use',
  'apps/studio/src/server/db.ts: globalForDb': "the process's database handle, opened on first use",
  'apps/studio/src/server/services.ts: holder':
    "the composition root: createServices per database handle, and the process's logger and Stripe accounts (with the sandbox launcher), on first use",
  'apps/studio/src/server/boot.ts: globalForBoot': 'boot runs once per process',
  'apps/studio/src/server/sign-in-guard.ts: state': 'rate-limiter state',
  'apps/studio/src/server/teams/live-streams.ts: holder':
    "each database handle's open member live streams, so removing a member ends theirs at once",
  'apps/studio/src/trpc/react.tsx: browserQueryClient': "the browser's query client",
  'packages/flow-model/src/expressions/evaluate.ts: templates':
    "each binding string parsed once, for flows' and pages' evaluations (bounded)",
  'packages/runtime/src/bindings.ts: resolvedWith':
    'a stored definition resolved against a table list cached per metadata version (weak, both keys)',
  'packages/runtime/src/engine.ts: plans':
    "a definition's graph, node order and roots (weak; definitions are not changed)",
  'packages/runtime/src/engine.ts: nodeConfigs': "a node's upgraded stored config (weak; nodes are not changed)",
  'apps/studio/src/server/pages/store.ts: versionCache':
    'published page versions (immutable rows), per database (weak)',
  'apps/studio/src/server/pages/render.ts: parsedProps': "each published block's parsed props (weak)",
  'apps/studio/src/server/pages/render.ts: mentionsUserCache': "whether a page's bindings name `user` (weak)",
};

const sources = repoSources;
const relative = repoRelative;

// Module scope only: declarations at the start of a line.
const MUTABLE_STATE = [
  /^(?:export )?let (\w+)/gm,
  /^(?:export )?const (\w+) = new (?:Map|WeakMap)\b/gm,
  // Sets too, but for the read-only lookups named in capitals (RESERVED, SUPPORTED…).
  /^(?:export )?const ([a-z]\w*) = new (?:Set|WeakSet)\b/gm,
  /^(?:export )?const (\w+) = globalThis as\b/gm,
];
// `setX(value)` / `registerX(value)` that take something other than a transaction or handle to write to.
const SETTER_EXPORT = /^export (?:async )?function ((?:set|register)[A-Z]\w*)\((?!\s*(?:tx|db|handle)\b)/gm;

describe('services are passed in, not set on modules at boot', () => {
  it('scans the sources it should', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.map(relative)).toContain('packages/runtime/src/engine.ts');
  });

  it('no module-level mutable state except the caches listed with their reasons', () => {
    const found: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of MUTABLE_STATE)
        for (const match of text.matchAll(pattern)) found.push(`${relative(file)}: ${match[1]}`);
    }
    expect(found.filter((key) => !(key in ALLOWED))).toEqual([]);
  });

  it('no setter-style exports (a launcher, factory or registry handed to a module)', () => {
    const found: string[] = [];
    for (const file of sources)
      for (const match of readFileSync(file, 'utf8').matchAll(SETTER_EXPORT))
        found.push(`${relative(file)}: ${match[1]}`);
    expect(found).toEqual([]);
  });

  it('the registries that were filled at boot are gone', () => {
    const all = sources.map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const name of [
      'registerNodeExecutor',
      'getNodeExecutor',
      'setMailSender',
      'setStripeClientFactory',
      'registerFlowTableDependencies',
      'registerTableDependencyCheck',
      'registerPaymentNodeExecutors',
      'useProjectMailForFlows',
      'setSandboxLauncher',
      'ensureSandboxRunning',
      'replaceStudioLogger',
      'studioLogger()',
      'getProjectStripe',
    ])
      expect(all.includes(name), name).toBe(false);
  });
});
