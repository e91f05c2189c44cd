import { Writable } from 'node:stream';
import { createLogger } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import type { Services } from '@tillflow/payments';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { generatedAppEndpoint, handleGeneratedAppRequest } from '~/server/generated-app/http';

// The generated app's tRPC (/app/<slug>/api/trpc): every request gets an id that its response carries
// (X-Request-Id), that every log line written while it is handled carries (by any code, through the logger's
// context), and that an unexpected error's answer quotes, so a shop owner's report leads to the log lines.

function captureLog() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ TILLFLOW_LOG_LEVEL: 'info' }, { destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const slug = 'bean-shop';
const request = () => {
  const input = encodeURIComponent(JSON.stringify(superjson.serialize({ projectSlug: slug })));
  return new Request(`http://localhost${generatedAppEndpoint(slug)}/app.myOrders?input=${input}`);
};

describe('request ids on the generated app’s API', () => {
  it('each response says its id, and lines logged while it was handled carry the same id', async () => {
    const logged = captureLog();
    // A database whose project lookup logs a line (as any code deep in a procedure might, without being handed
    // the id) and finds no project.
    const handle = {
      db: {
        select: () => ({
          from: () => ({
            where: async () => {
              logged.logger.info('looking the app up');
              return [];
            },
          }),
        }),
      },
    } as unknown as DbHandle;
    const services = { database: handle, logger: logged.logger } as unknown as Services;
    const first = await handleGeneratedAppRequest(handle, request(), slug, services);
    const second = await handleGeneratedAppRequest(handle, request(), slug, services);
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(((await first.json()) as { error: { json: { message: string } } }).error.json.message).toBe(
      'There is no app at this address.',
    );
    expect(logged.lines().map((l) => [l.msg, l.requestId])).toEqual([
      ['looking the app up', ids[0]],
      ['looking the app up', ids[1]],
    ]);
  });

  it('an unexpected error’s answer quotes the id the response and the logged detail carry', async () => {
    const logged = captureLog();
    const handle = {
      db: {
        select: () => {
          throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
        },
      },
    } as unknown as DbHandle;
    const services = { database: handle, logger: logged.logger } as unknown as Services;
    const response = await handleGeneratedAppRequest(handle, request(), slug, services);
    expect(response.status).toBe(500);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const body = (await response.json()) as { error: { json: { message: string; data: { requestId: string } } } };
    expect(body.error.json.data.requestId).toBe(id);
    expect(body.error.json.message).toContain(String(id));
    expect(JSON.stringify(body)).not.toContain('10.1.2.3');
    const detail = logged.lines().find((l) => JSON.stringify(l).includes('10.1.2.3'));
    expect(detail?.requestId).toBe(id);
  });
});
