import { API_BODY_LIMIT_BYTES, isTillflowError, readBodyCapped } from '@tillflow/core';
import { type Actor, type Filter, getRow, queryRows } from '@tillflow/data-model';
import { type DbHandle, projects } from '@tillflow/db';
import type { Services } from '@tillflow/payments';
import {
  adjustRecurringAmountAction,
  cancelRecurringAction,
  checkAgainstStripe,
  createPaymentAction,
  initiateRecurringAction,
  orderTableName,
  PAYMENT_TABLE,
  RECURRING_PAYMENT_TABLE,
  REFUND_TABLE,
  refundAction,
} from '@tillflow/payments';
import { callAppFlow } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import { restError } from '../api/errors';
import { verifyApiKey } from '../api-keys';
import { actorFromToken } from '../generated-app/auth';
import { internalErrorBody } from '../http/internal-error';
import { REST_POLICY, restRouteKey } from '../teams/policy';
import { openApiDocument } from './openapi';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const fail = (status: number, code: string, message: string, fieldErrors?: Record<string, string>) =>
  json(status, { error: { code, message, ...(fieldErrors ? { fieldErrors } : {}) } });

async function authenticate(handle: DbHandle, request: Request, projectId: number): Promise<Actor | null> {
  const header = request.headers.get('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!token) return null;
  // A project API key acts with full access; an end-user session token acts as that user and role.
  const keyProject = await verifyApiKey(handle, token);
  if (keyProject !== null) return keyProject === projectId ? { kind: 'backend' } : null;
  const actor = await actorFromToken(handle, projectId, token);
  return actor.kind === 'endUser' ? actor : null;
}

async function readBody(request: Request): Promise<Record<string, unknown> | Response> {
  // Streamed with the cap, Content-Length or not: a larger body is never buffered.
  const read = await readBodyCapped(request.body, API_BODY_LIMIT_BYTES, request.headers.get('content-length'));
  if (!read.ok) return fail(413, 'VALIDATION', 'The request body is larger than 64 KB.');
  const text = read.bytes.toString('utf8');
  if (!text) return {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {}
  return fail(400, 'VALIDATION', 'The request body must be a JSON object.');
}

/**
 * Resources readable with GET: their table (`null`: the order table the project bound when it turned payments on)
 * and the query filters each list takes (`?status=…`).
 */
const READABLE: Record<string, { table: string | null; noun: string; filters: Record<string, 'text' | 'id'> }> = {
  orders: { table: null, noun: 'order', filters: { status: 'text' } },
  payments: { table: PAYMENT_TABLE, noun: 'payment', filters: { status: 'text', order_id: 'id' } },
  refunds: { table: REFUND_TABLE, noun: 'refund', filters: { status: 'text', payment_id: 'id' } },
  subscriptions: {
    table: RECURRING_PAYMENT_TABLE,
    noun: 'subscription',
    filters: { status: 'text', order_id: 'id', stripe_subscription_id: 'text' },
  },
};

/**
 * GET an order, payment, refund or subscription by id, or a page of them (newest first; `limit` 1–100, `after` the previous page's
 * `nextCursor`, filters by name), with the caller's own read permission: an API key sees every row, an end user
 * only what their role may read (their own rows where the table is scoped to the owner).
 */
async function read(
  services: Services,
  projectId: number,
  actor: Actor,
  resource: (typeof READABLE)[string],
  id: string | undefined,
  url: URL,
): Promise<Response> {
  const db = services.database.db;
  const table = resource.table ?? (await orderTableName(db, projectId));
  if (!table) return fail(412, 'PRECONDITION_FAILED', 'This shop has no orders yet: payments are not turned on.');
  if (id !== undefined) {
    const rowId = Number(id);
    if (!Number.isInteger(rowId) || rowId < 1)
      return fail(400, 'VALIDATION', `The ${resource.noun} id must be an integer.`);
    const row = await getRow(db, projectId, actor, table, rowId);
    if (!row) return fail(404, 'NOT_FOUND', `No ${resource.noun} ${rowId}.`);
    return json(200, row);
  }
  const filters: Filter[] = [];
  for (const [name, value] of url.searchParams) {
    if (name === 'limit' || name === 'after') continue;
    const kind = resource.filters[name];
    if (!kind)
      return fail(
        400,
        'VALIDATION',
        `Unknown filter "${name}". Filter by ${Object.keys(resource.filters).join(', ')}.`,
        {
          [name]: 'Not a filter.',
        },
      );
    if (kind === 'id' && !/^\d+$/.test(value))
      return fail(400, 'VALIDATION', `${name} must be an integer.`, { [name]: 'An integer.' });
    filters.push({ column: name, op: 'eq', value: kind === 'id' ? Number(value) : value });
  }
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return fail(400, 'VALIDATION', 'limit must be a whole number from 1 to 100.', { limit: 'From 1 to 100.' });
  const { rows, nextCursor } = await queryRows(db, projectId, actor, table, {
    filters,
    sort: [{ column: 'id', direction: 'desc' }],
    limit,
    after: url.searchParams.get('after'),
  });
  return json(200, { data: rows, nextCursor });
}

/**
 * POST flows/:id/call: runs an actionflow with the "A button on one of your pages" trigger for the end user behind
 * the session token, exactly as a page button does (callAppFlow: their role must be one the flow lists, inputs are
 * checked against the declared types, data steps act with their permissions and row scope); answers its outputs.
 */
async function callFlow(
  services: Services,
  projectId: number,
  actor: Actor,
  flowId: string,
  body: Record<string, unknown>,
): Promise<Response> {
  if (actor.kind !== 'endUser')
    return fail(403, 'FORBIDDEN', 'This endpoint runs as an end user: send their session token.');
  const inputs = body.inputs ?? {};
  if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs))
    return fail(400, 'VALIDATION', '"inputs" must be an object of the flow’s inputs by name.', {
      inputs: 'An object.',
    });
  const user = await getRow(services.database.db, projectId, { kind: 'backend' }, 'end_user', actor.userId);
  const result = await callAppFlow(services, {
    projectId,
    flowId,
    inputs: inputs as Record<string, unknown>,
    caller: { userId: actor.userId, email: String(user?.email ?? ''), role: actor.role },
  });
  return json(200, result);
}

/** The payments REST API: thin over the payments package, which does every check. */
export async function handleRestRequest(services: Services, request: Request, path: string[]): Promise<Response> {
  try {
    return await answer(services, request, path);
  } catch (error) {
    if (!isTillflowError(error)) return json(500, internalErrorBody(services.logger, error, `REST ${path[1] ?? ''}`));
    const { status, body } = restError(error);
    return json(status, body);
  }
}

async function answer(services: Services, request: Request, path: string[]): Promise<Response> {
  const handle = services.database;
  if (path.length === 1 && path[0] === 'openapi.json' && request.method === 'GET') return json(200, openApiDocument);
  const [slug, resource, id, verb] = path;
  if (!slug || !resource) return fail(404, 'NOT_FOUND', 'No such endpoint. See /api/v1/openapi.json.');
  const readable = READABLE[resource];
  if (request.method === 'GET' ? !readable || verb : request.method !== 'POST')
    return fail(405, 'VALIDATION', readable ? 'Use GET or POST.' : 'Use POST.');
  const [project] = await handle.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug));
  if (!project) return fail(404, 'NOT_FOUND', `No project "${slug}".`);
  const actor = await authenticate(handle, request, project.id);
  if (!actor)
    return fail(401, 'UNAUTHORIZED', 'Send a project API key or an end-user session token as a Bearer token.');
  // The policy table (server/teams/policy.ts) says which credentials each route takes.
  const allowed = REST_POLICY[restRouteKey(request.method, path.slice(1))];
  if (!allowed) return fail(404, 'NOT_FOUND', 'No such endpoint. See /api/v1/openapi.json.');
  if (!allowed.includes(actor.kind === 'backend' ? 'apiKey' : 'endUser'))
    return fail(
      403,
      'FORBIDDEN',
      actor.kind === 'backend'
        ? 'This endpoint runs as an end user: send their session token.'
        : 'This endpoint needs a project API key.',
    );
  if (request.method === 'GET') return read(services, project.id, actor, readable!, id, new URL(request.url));
  const body = await readBody(request);
  if (body instanceof Response) return body;
  if (resource === 'flows' && id && verb === 'call') return callFlow(services, project.id, actor, id, body);
  if (resource === 'reconcile' && !id) return json(200, await checkAgainstStripe(services, project.id));
  if (resource === 'payments' && !id)
    return json(200, await createPaymentAction(services, project.id, actor, body as never));
  // paymentId is ours or Stripe's (pi_…): the action looks it up as the caller.
  if (resource === 'refunds' && !id) return json(200, await refundAction(services, project.id, actor, body as never));
  if (resource === 'subscriptions' && !id)
    return json(200, await initiateRecurringAction(services, project.id, actor, body as never));
  if (resource === 'subscriptions' && id && (verb === 'cancel' || verb === 'amount')) {
    const recurringPaymentId = Number(id);
    if (!Number.isInteger(recurringPaymentId))
      return fail(400, 'VALIDATION', 'The subscription id must be an integer.');
    const action = verb === 'cancel' ? cancelRecurringAction : adjustRecurringAmountAction;
    return json(200, await action(services, project.id, actor, { ...body, recurringPaymentId } as never));
  }
  return fail(404, 'NOT_FOUND', 'No such endpoint. See /api/v1/openapi.json.');
}
