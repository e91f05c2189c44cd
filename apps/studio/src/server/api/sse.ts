import { PUSH_EVENTS, type PushHandlers } from '@tillflow/realtime';
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  isTrackedEnvelope,
  TRPCError,
} from '@trpc/server';

/**
 * tRPC subscriptions over SSE, written for fan-out. tRPC's own producer sends
 * each message through four web-stream stages and five chunks (≈130 µs of CPU
 * per subscriber per message on our 2-core machines), so a change reaching a
 * thousand subscribers took ~150 ms before the last byte left. This writes the
 * same wire protocol httpSubscriptionLink reads (`connected`, tracked `id:` +
 * `data:` messages, `serialized-error`, `return`) from one pull-driven stream
 * per subscriber, one chunk per message, and encodes a message once for every
 * subscriber that received the same event object.
 *
 * The procedure itself is untouched: callTRPCProcedure runs its input parser
 * and middlewares (auth, project lookup) exactly as tRPC's handler would. A
 * procedure may end its stream with an error whose `reconnect` is true: the
 * connection then closes without `return`, so EventSource reconnects.
 *
 * A procedure whose stream can be pushed to ([PUSH_EVENTS], the realtime hub's) is not pulled: each event is
 * encoded (once per event object) and enqueued as the hub dispatches it, so between the hub and the response
 * there is no promise per subscriber; a client that falls MAX_BEHIND messages behind is cut off (closed without
 * `return`: it reconnects and its missed changes are replayed from its last id).
 */

interface SubscriptionRequest {
  router: AnyTRPCRouter;
  /** The tRPC endpoint path, e.g. `/api/trpc`. */
  endpoint: string;
  req: Request;
  createContext: (opts: { resHeaders: Headers }) => unknown;
  onError?: (opts: { error: TRPCError; path: string }) => void;
}

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;

const MAX_BEHIND = 10_000;

type Pushable = { [PUSH_EVENTS](handlers: PushHandlers<unknown>): void };
const pushable = (value: unknown): value is Pushable =>
  typeof (value as Partial<Pushable> | null)?.[PUSH_EVENTS] === 'function';

const encoder = new TextEncoder();
const CONNECTED = encoder.encode('event: connected\ndata: {}\n\n');
const RETURN = encoder.encode('event: return\ndata: \n\n');
// Subscribers of one event share its encoding; keyed by the event object, so it goes when the event does.
const encoded = new WeakMap<object, { id: string; bytes: Uint8Array }>();

interface RouterConfig {
  transformer: { input: { deserialize(v: unknown): unknown }; output: { serialize(v: unknown): unknown } };
}

/** The procedure path of a subscription request, or null when tRPC's own handler should take it. */
function subscriptionPath(router: AnyTRPCRouter, endpoint: string, req: Request): string | null {
  if (req.method !== 'GET') return null;
  const url = new URL(req.url);
  if (!url.pathname.startsWith(`${endpoint}/`)) return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice(endpoint.length + 1));
  } catch {
    return null; // a malformed escape: tRPC's handler answers it with its own 400
  }
  if (path.includes(',') || url.searchParams.has('batch')) return null;
  const procedure = (router._def.procedures as Record<string, { _def: { type: string } } | undefined>)[path];
  return procedure?._def.type === 'subscription' ? path : null;
}

const asksToReconnect = (cause: unknown) =>
  cause instanceof Error && (cause as Error & { reconnect?: unknown }).reconnect === true;

function encodeMessage(config: RouterConfig, value: unknown): Uint8Array {
  if (!isTrackedEnvelope(value)) {
    return encoder.encode(`data: ${JSON.stringify(config.transformer.output.serialize(value))}\n\n`);
  }
  const [id, data] = value;
  const cacheable = typeof data === 'object' && data !== null;
  const hit = cacheable ? encoded.get(data) : undefined;
  if (hit && hit.id === id) return hit.bytes;
  const safeId = /[\0\n\r]/.test(id) ? '' : id;
  const bytes = encoder.encode(`id: ${safeId}\ndata: ${JSON.stringify(config.transformer.output.serialize(data))}\n\n`);
  if (cacheable) encoded.set(data, { id, bytes });
  return bytes;
}

function readInput(config: RouterConfig, url: URL, req: Request): unknown {
  const raw = url.searchParams.get('input');
  let input: unknown;
  if (raw !== null) {
    try {
      input = config.transformer.input.deserialize(JSON.parse(raw));
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'The subscription input is not valid JSON.', cause });
    }
  }
  // EventSource re-sends the last id on reconnect; tRPC hands it to the procedure as input.lastEventId.
  const lastEventId =
    req.headers.get('last-event-id') ?? url.searchParams.get('lastEventId') ?? url.searchParams.get('Last-Event-Id');
  if (lastEventId) {
    if (typeof input === 'object' && input !== null) input = { ...input, lastEventId };
    else input ??= { lastEventId };
  }
  return input;
}

/** Answers a tRPC subscription request with an SSE stream; null when the request is not one. */
export async function handleSubscriptionRequest(opts: SubscriptionRequest): Promise<Response | null> {
  const path = subscriptionPath(opts.router, opts.endpoint, opts.req);
  if (!path) return null;
  const config = opts.router._def._config as unknown as RouterConfig;
  const url = new URL(opts.req.url);
  const abort = new AbortController();
  opts.req.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const resHeaders = new Headers();
  let ctx: unknown;
  let input: unknown;
  let iterator: AsyncIterator<unknown> | null = null;
  let source: Pushable | null = null;
  let failure: TRPCError | null = null;
  try {
    input = readInput(config, url, opts.req);
    ctx = await opts.createContext({ resHeaders });
    const result = await callTRPCProcedure({
      router: opts.router,
      path,
      getRawInput: async () => input,
      ctx,
      type: 'subscription',
      signal: abort.signal,
      batchIndex: 0,
    });
    const iterable = result as AsyncIterable<unknown> | null;
    if (!iterable || typeof iterable[Symbol.asyncIterator] !== 'function')
      throw new TRPCError({
        code: 'INTERNAL_SERVER_ERROR',
        message: `Subscription ${path} did not return an AsyncGenerator`,
      });
    iterator = iterable[Symbol.asyncIterator]();
    if (pushable(iterable)) source = iterable;
  } catch (cause) {
    failure = getTRPCErrorFromUnknown(cause);
  }

  const errorMessage = (error: TRPCError) => {
    opts.onError?.({ error, path });
    const shape = getTRPCErrorShape({
      config: opts.router._def._config,
      ctx,
      error,
      input,
      path,
      type: 'subscription',
    });
    return encoder.encode(
      `event: serialized-error\ndata: ${JSON.stringify(config.transformer.output.serialize(shape))}\n\n`,
    );
  };
  let finished = false;
  const cancel = async () => {
    finished = true;
    abort.abort();
    await iterator?.return?.();
  };
  const body = source
    ? new ReadableStream<Uint8Array>(
        {
          start(controller) {
            const close = (last?: Uint8Array) => {
              if (finished) return;
              if (last) controller.enqueue(last);
              finished = true;
              controller.close();
            };
            controller.enqueue(CONNECTED);
            source?.[PUSH_EVENTS]({
              value(value) {
                if (finished) return;
                if ((controller.desiredSize ?? 0) < -MAX_BEHIND) {
                  // Too far behind: closed without `return`, so it reconnects and replays what it missed.
                  close();
                  void cancel();
                  return;
                }
                controller.enqueue(encodeMessage(config, value));
              },
              end(cause) {
                // A client that went away gets nothing more; a procedure that asks for a reconnect (e.g. the
                // caller's role changed) gets the stream closed without `return` (see below).
                if (abort.signal.aborted || (cause !== undefined && asksToReconnect(cause))) close();
                else if (cause !== undefined) close(errorMessage(getTRPCErrorFromUnknown(cause)));
                else close(RETURN);
              },
            });
          },
          cancel,
        },
        { highWaterMark: 16 },
      )
    : pulledBody();

  function pulledBody() {
    let sentConnected = false;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          // After cancel() an in-flight pull may still resolve; the stream takes nothing more then.
          const stop = () => {
            if (finished) return;
            finished = true;
            controller.close();
          };
          const send = (bytes: Uint8Array, last = false) => {
            if (finished) return;
            controller.enqueue(bytes);
            if (last) {
              finished = true;
              controller.close();
            }
          };
          if (!sentConnected) {
            sentConnected = true;
            send(CONNECTED);
            if (failure) send(errorMessage(failure), true);
            return;
          }
          if (!iterator || finished) return;
          try {
            const step = await iterator.next();
            // A client that went away gets nothing more, like tRPC's handler (which cancels the stream on abort).
            if (abort.signal.aborted) stop();
            else if (step.done) send(RETURN, true);
            else send(encodeMessage(config, step.value));
          } catch (cause) {
            // A procedure that asks for a reconnect (e.g. the caller's role changed) gets the stream closed
            // without `return`: EventSource reconnects with Last-Event-ID, and the resumed subscription is
            // authorised afresh.
            if (abort.signal.aborted || asksToReconnect(cause)) stop();
            else send(errorMessage(getTRPCErrorFromUnknown(cause)), true);
          }
        },
        cancel,
      },
      { highWaterMark: 16 },
    );
  }
  const headers = new Headers(resHeaders);
  for (const [key, value] of Object.entries(SSE_HEADERS)) headers.set(key, value);
  return new Response(body, { status: 200, headers });
}
