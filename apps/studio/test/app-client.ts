import type { DbHandle } from '@tillflow/db';
import superjson from 'superjson';
import { generatedAppEndpoint, handleGeneratedAppRequest } from '~/server/generated-app/http';

/**
 * A browser-like client of a generated app's API: requests go through the
 * same handler as the Next route, and the session cookie is kept like a
 * browser would (only what Set-Cookie gave for this app's path).
 */
export function appClient(handle: DbHandle, slug: string, extraHeaders: Record<string, string> = {}) {
  let cookie: string | null = null;
  const base = `http://localhost${generatedAppEndpoint(slug)}`;
  const headers = () => ({ ...extraHeaders, ...(cookie ? { cookie } : {}) });
  const remember = (response: Response) => {
    const set = response.headers.get('set-cookie');
    if (!set) return;
    const [pair] = set.split(';');
    cookie = pair.endsWith('=') ? null : pair;
  };
  async function unwrap(response: Response) {
    remember(response);
    const body = (await response.json()) as { result?: { data: unknown }; error?: { json: unknown } };
    if (body.error) {
      const error = superjson.deserialize(body.error as never) as { message: string; data: { code: string } };
      throw Object.assign(new Error(error.message), { code: error.data.code, data: error.data });
    }
    return superjson.deserialize(body.result?.data as never);
  }
  return {
    get cookie() {
      return cookie;
    },
    set cookie(value: string | null) {
      cookie = value;
    },
    lastSetCookie: null as string | null,
    async mutation<T = unknown>(path: string, input: Record<string, unknown> = {}): Promise<T> {
      const response = await handleGeneratedAppRequest(
        handle,
        new Request(`${base}/app.${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers() },
          body: JSON.stringify(superjson.serialize({ projectSlug: slug, ...input })),
        }),
        slug,
      );
      this.lastSetCookie = response.headers.get('set-cookie');
      return (await unwrap(response)) as T;
    },
    async query<T = unknown>(path: string, input: Record<string, unknown> = {}): Promise<T> {
      const q = encodeURIComponent(JSON.stringify(superjson.serialize({ projectSlug: slug, ...input })));
      const response = await handleGeneratedAppRequest(
        handle,
        new Request(`${base}/app.${path}?input=${q}`, { headers: headers() }),
        slug,
      );
      return (await unwrap(response)) as T;
    },
    /** Opens the SSE subscription; events are collected as they arrive. */
    async subscribe(input: Record<string, unknown> = {}) {
      const abort = new AbortController();
      const q = encodeURIComponent(JSON.stringify(superjson.serialize({ projectSlug: slug, ...input })));
      const response = await handleGeneratedAppRequest(
        handle,
        new Request(`${base}/app.changes?input=${q}`, { headers: headers(), signal: abort.signal }),
        slug,
      );
      const events: {
        id: string;
        data: { table: string; op: string; rowId: number; row: Record<string, unknown> | null };
      }[] = [];
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let connected = false;
      const done = (async () => {
        try {
          while (true) {
            const { value, done: finished } = await reader.read();
            if (finished) return;
            buffer += decoder.decode(value, { stream: true });
            let end = buffer.indexOf('\n\n');
            while (end >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              end = buffer.indexOf('\n\n');
              const id = /^id: ?(.*)$/m.exec(block)?.[1];
              const data = /^data: ?(.*)$/m.exec(block)?.[1];
              if (/^event: ?connected/m.test(block)) connected = true;
              if (id && data) events.push({ id, data: superjson.deserialize(JSON.parse(data)) });
            }
          }
        } catch {
          // aborted
        }
      })();
      return {
        status: response.status,
        events,
        isConnected: () => connected,
        close: async () => {
          abort.abort();
          await reader.cancel().catch(() => {});
          await done;
        },
      };
    },
  };
}
