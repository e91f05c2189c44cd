import { randomUUID } from 'node:crypto';
import { countingBody } from '@tillflow/core/testing';
import { createTable } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { createWebhookEndpoint } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUDIO_API_BODY_LIMIT_BYTES, withCappedBody } from '~/server/http/body-cap';
import { handleStripeWebhookRequest } from '~/server/http/webhooks';
import { handleRestRequest } from '~/server/rest/handler';
import { servicesFor } from '~/server/services';
import { signUpBuilder } from './helpers';

const MB = 1024 * 1024;
const CHUNK = 16 * 1024;

/** A chunked POST (no Content-Length) whose 5 MB body counts what the server pulled. */
function chunkedPost(url: string, headers: Record<string, string> = {}) {
  const { stream, counter } = countingBody(5 * MB, CHUNK);
  const request = new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return { request, counter };
}

describe('bounded request bodies in the studio', () => {
  let handle: DbHandle;
  let builder: Awaited<ReturnType<typeof signUpBuilder>>;
  let slug: string;
  let projectId: number;
  beforeAll(async () => {
    process.env.TILLFLOW_QUIET_WEBHOOKS = '1';
    handle = await createTestDb();
    builder = await signUpBuilder(handle, 'bounded');
    slug = `bounded-${uniqueSuffix()}`;
    projectId = (await builder.caller.project.create({ name: 'Bounded', slug })).id;
  });
  afterAll(async () => {
    await handle.close();
  });

  it('the webhook route refuses a chunked 5 MB body with 413 after pulling about 1 MB', async () => {
    const { endpoint } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    const { request, counter } = chunkedPost(`http://localhost/api/hooks/stripe/${endpoint.id}`);
    const response = await handleStripeWebhookRequest(servicesFor(handle), request, endpoint.id);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'body_too_large' });
    expect(counter.pulled).toBeLessThanOrEqual(MB + CHUNK);
  });

  it('the webhook route answers 404 for a made-up endpoint without reading the body', async () => {
    const id = randomUUID();
    const { request, counter } = chunkedPost(`http://localhost/api/hooks/stripe/${id}`);
    expect((await handleStripeWebhookRequest(servicesFor(handle), request, id)).status).toBe(404);
    expect(counter.pulled).toBe(0);
  });

  it('REST refuses a chunked body past 64 KB with 413 before parsing, pulling at most one chunk more', async () => {
    await createTable(handle.db, projectId, { name: 'item', columns: [{ name: 'title', type: 'text' }] });
    const key = await builder.caller.apiKeys.create({ projectId, name: 'backend' });
    const { request, counter } = chunkedPost(`http://localhost/api/v1/${slug}/payments`, {
      authorization: `Bearer ${key.key}`,
    });
    const response = await handleRestRequest(servicesFor(handle), request, [slug, 'payments']);
    expect(response.status).toBe(413);
    expect((await response.json()).error.message).toMatch(/64 KB/);
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024 + CHUNK);
  });

  it('tRPC and auth requests are capped before their handlers read them', async () => {
    const { request, counter } = chunkedPost('http://localhost/api/trpc/project.create');
    const capped = await withCappedBody(request, STUDIO_API_BODY_LIMIT_BYTES);
    expect(capped).toBeInstanceOf(Response);
    expect((capped as Response).status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(MB + CHUNK);

    const small = new Request('http://localhost/api/trpc/x', { method: 'POST', body: '{"a":1}' });
    const passed = await withCappedBody(small, STUDIO_API_BODY_LIMIT_BYTES);
    expect(passed).toBeInstanceOf(Request);
    expect(await (passed as Request).json()).toEqual({ a: 1 });
  });
});
