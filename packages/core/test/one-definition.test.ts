import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRelative, repoRoot, repoSources } from './repo-sources';

// Facts that were once written twice, each now declared in one place. This scan fails when a second
// copy appears in packages/*/src or apps/*/src, pointing at the one to use instead.

const root = repoRoot;
const sources = repoSources;
const relative = repoRelative;
const filesMatching = (pattern: RegExp) =>
  sources.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map(relative);

describe('one definition per thing', () => {
  it('the currencies’ decimals are listed only in core’s money module (the sandbox formats with it too)', () => {
    expect(filesMatching(/['"]kwd['"]/)).toEqual(['packages/core/src/money.ts']);
    expect(filesMatching(/['"]vuv['"]/)).toEqual(['packages/core/src/money.ts']);
  });

  it('the studio’s list tables are the shared DataTable (components/ui), not markup copied per section', () => {
    // The list tables of Events, Operations and Automations: a card with a header row and an empty line.
    const lists = [
      'apps/studio/src/app/projects/[projectId]/events/_components/events-page.tsx',
      'apps/studio/src/app/projects/[projectId]/events/_components/operations-panel.tsx',
      'apps/studio/src/app/projects/[projectId]/flows/_components/flows-list.tsx',
    ];
    for (const file of lists) {
      const text = readFileSync(path.join(root, file), 'utf8');
      expect(text, file).toContain('<DataTable');
      expect(text, file).not.toContain('<table');
    }
  });

  it('which request fields would decide a price is one rule in payments, used by the generated app’s buy too', () => {
    expect(filesMatching(/is decided by the shop/)).toEqual(['packages/payments/src/actions/charge.ts']);
    expect(readFileSync(path.join(root, 'apps/studio/src/server/generated-app/router.ts'), 'utf8')).toContain(
      "refuseChargeFields(ctx.actor, input, 'item')",
    );
  });

  it('errors that reach tRPC or REST are TillflowErrors, so the one code table says their status', () => {
    // The transport's own plumbing (sse.ts: a malformed subscription request) and the mapping itself are the exceptions.
    const apiSources = sources
      .map(relative)
      .filter((file) => /^apps\/studio\/src\/(server\/(api|generated-app|rest|http)\/|app\/api\/)/.test(file))
      .filter((file) => !['apps/studio/src/server/api/sse.ts', 'apps/studio/src/server/api/errors.ts'].includes(file));
    expect(apiSources.length).toBeGreaterThan(20);
    const raw = apiSources.filter((file) =>
      /new (TRPCError|Error)\(/.test(readFileSync(path.join(root, file), 'utf8')),
    );
    expect(raw).toEqual([]);
  });

  it('the backend actor is one constant (data-model’s BACKEND), and a payment input’s refusal is built in one place', () => {
    expect(filesMatching(/(const|let) \w+(: Actor)? = \{ kind: 'backend' \}/)).toEqual([
      'packages/data-model/src/types.ts',
    ]);
    expect(filesMatching(/Object\.values\(fieldErrors\)\[0\]/)).toEqual(['packages/payments/src/errors.ts']);
  });

  it('a subscription that may still change at Stripe is checked in one place (adjust and cancel both use it)', () => {
    expect(filesMatching(/has not started yet \(checkout not completed\)/)).toEqual([
      'packages/payments/src/actions/context.ts',
    ]);
  });
  it('a Stripe endpoint is created, and an event fed in as if delivered, in one place each; Luhn is one function', () => {
    // Check against Stripe and the Events API recovery both sign with the endpoint's secret through feedAsDelivered;
    // system and custom endpoints are both created at Stripe through createStripeEndpoint.
    expect(filesMatching(/signatureHeader: stripeSignatureHeader\(/)).toEqual(['packages/payments/src/reconcile.ts']);
    expect(filesMatching(/webhookEndpoints\.create\(/)).toEqual(['packages/payments/src/endpoints.ts']);
    expect(filesMatching(/d > 9\) d -= 9/)).toEqual(['packages/core/src/card-number.ts']);
  });
});
