import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioRouter } from '~/server/api/root';
import { signUpEndUser } from '~/server/generated-app/auth';
import { handleRestRequest } from '~/server/rest/handler';
import { openApiDocument } from '~/server/rest/openapi';
import { servicesFor } from '~/server/services';
import { addMember } from '~/server/teams/members';
import {
  ACCESS,
  accessOf,
  MEMBER_ROLES,
  type MemberRole,
  PROCEDURE_POLICY,
  REST_POLICY,
  type RestCaller,
  restRouteKey,
  roleMayCall,
} from '~/server/teams/policy';
import { signUpBuilder } from './helpers';

// The role × procedure matrix: every procedure of the studio router (read from the router itself, so a new one
// without a policy entry fails here), called as each role and as a builder who is not a member.

type Caller = Awaited<ReturnType<typeof signUpBuilder>>['caller'];
const procedures = studioRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const paths = Object.keys(procedures).sort();

/** Calls `path` with only the project id: a refusal happens before the rest of the input is read. */
async function call(
  caller: Caller,
  path: string,
  input: unknown,
): Promise<{ code: string | null; message?: string; value?: unknown }> {
  const fn = path.split('.').reduce<any>((node, key) => node[key], caller);
  try {
    const value = await fn(input);
    // A subscription hands back its stream: close it without reading.
    if (value && typeof value === 'object' && Symbol.asyncIterator in value) await value.return?.();
    return { code: null, value };
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
}

/** Everything that belongs to the project: its rows in every public table with a project_id, and its own schema. */
async function projectDigest(handle: DbHandle, projectId: number, schemaName: string) {
  const tables = await handle.query<{ table_schema: string; table_name: string; scoped: boolean }>(
    `select t.table_schema, t.table_name,
            exists (select 1 from information_schema.columns c
                     where c.table_schema = t.table_schema and c.table_name = t.table_name
                       and c.column_name = 'project_id') as scoped
       from information_schema.tables t
      where t.table_type = 'BASE TABLE' and t.table_schema in ('public', $1)
      order by 1, 2`,
    [schemaName],
  );
  const parts: string[] = [];
  for (const t of tables) {
    const from = `"${t.table_schema}"."${t.table_name}"`;
    const where =
      t.table_schema === schemaName
        ? ''
        : t.table_name === 'project'
          ? `where x.id = ${projectId}`
          : t.scoped
            ? `where x.project_id = ${projectId}`
            : null;
    if (where === null) continue;
    const [row] = await handle.query<{ digest: string }>(
      `select count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' order by x::text)), '') as digest from ${from} x ${where}`,
    );
    parts.push(`${from} ${row.digest}`);
  }
  return parts;
}

describe('teams: every procedure × every role', () => {
  let handle: DbHandle;
  let project: { id: number; schemaName: string };
  const callers = {} as Record<MemberRole | 'outsider', Caller>;

  beforeAll(async () => {
    handle = await createTestDb();
    const owner = await signUpBuilder(handle, 'owner');
    callers.owner = owner.caller;
    project = await owner.caller.project.create({ name: 'Matrix shop', slug: `matrix-${uniqueSuffix()}` });
    // A table with a row, so schema and row procedures have something they could change.
    await owner.caller.dataModel.createTable({
      projectId: project.id,
      name: 'orders',
      columns: [{ name: 'title', type: 'text' }],
    });
    await owner.caller.dataModel.insertRow({ projectId: project.id, table: 'orders', values: { title: 'First' } });
    for (const role of ['editor', 'finance', 'viewer'] as const) {
      const member = await signUpBuilder(handle, role);
      await addMember(handle.db, project.id, member.user.id, role);
      callers[role] = member.caller;
    }
    callers.outsider = (await signUpBuilder(handle, 'outsider')).caller;
  }, 120_000);
  afterAll(() => handle.close());

  it('has a policy entry for every procedure of the router, and no entry for a procedure that does not exist', () => {
    expect(paths.length).toBeGreaterThan(90);
    expect(paths.filter((path) => !accessOf(path))).toEqual([]);
    expect(Object.keys(PROCEDURE_POLICY).filter((path) => !(path in procedures))).toEqual([]);
  });

  it('refuses each role every procedure its level does not admit (FORBIDDEN), and nothing changes', async () => {
    const before = await projectDigest(handle, project.id, project.schemaName);
    const wrong: string[] = [];
    let refused = 0;
    for (const path of paths) {
      if (accessOf(path) === 'signedIn') continue;
      for (const role of MEMBER_ROLES) {
        if (roleMayCall(path, role)) continue;
        const { code } = await call(callers[role], path, { projectId: project.id });
        if (code !== 'FORBIDDEN') wrong.push(`${path} as ${role}: ${code ?? 'ran'}`);
        refused += 1;
      }
      // Not a member: the project does not exist for them.
      const { code } = await call(callers.outsider, path, { projectId: project.id });
      if (code !== 'NOT_FOUND') wrong.push(`${path} as outsider: ${code ?? 'ran'}`);
    }
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(100);
    expect(await projectDigest(handle, project.id, project.schemaName)).toEqual(before);
  }, 300_000);

  it('lets each role through to every procedure its level admits (the call is not refused for its role)', async () => {
    const wrong: string[] = [];
    // Leaving last: the other calls need the members still there.
    const ordered = [...paths.filter((p) => p !== 'members.leave'), 'members.leave'];
    for (const path of ordered) {
      const access = accessOf(path);
      if (access === 'signedIn') {
        const { code } = await call(callers.outsider, path, { projectId: project.id });
        if (code === 'FORBIDDEN' || code === 'NOT_FOUND') wrong.push(`${path} as outsider: ${code}`);
        continue;
      }
      for (const role of MEMBER_ROLES) {
        if (!roleMayCall(path, role)) continue;
        // Refused for the role (FORBIDDEN) or as a non-member (NOT_FOUND "Project not found."); other
        // answers (a missing input, payments not turned on yet) come from the procedure itself.
        const { code, message } = await call(callers[role], path, { projectId: project.id });
        if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED' || message === 'Project not found.')
          wrong.push(`${path} as ${role}: ${code} ${message}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('the levels say what the issue asks of each role', () => {
    expect(ACCESS.owner).toEqual(['owner']);
    // Keys, members and deletion are the owner's alone.
    for (const path of ['payments.saveKeys', 'members.invite', 'members.setRole', 'project.delete', 'apiKeys.create'])
      expect(PROCEDURE_POLICY[path]).toBe('owner');
    // Editors build and publish; finance moves money; neither does the other's work.
    expect(roleMayCall('flows.publish', 'editor')).toBe(true);
    expect(roleMayCall('flows.publish', 'finance')).toBe(false);
    expect(roleMayCall('payments.refund', 'finance')).toBe(true);
    expect(roleMayCall('payments.refund', 'editor')).toBe(false);
    expect(roleMayCall('payments.reconcile', 'finance')).toBe(true);
    // A viewer changes nothing: every mutation is refused, except leaving and saying they have a flow open on the
    // canvas (presence heartbeats, which touch no project data).
    const mutations = paths.filter((p) => procedures[p]._def.type === 'mutation' && accessOf(p) !== 'signedIn');
    expect(mutations.filter((p) => roleMayCall(p, 'viewer')).sort()).toEqual(
      ['flows.leaveCanvas', 'flows.presence', 'members.leave'].sort(),
    );
  });
});

describe('teams: the REST routes are in the same policy table', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('lists exactly the routes of the OpenAPI document', () => {
    const documented = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/v1/{projectSlug}/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) =>
          restRouteKey(
            method.toUpperCase(),
            path
              .replace('/api/v1/{projectSlug}/', '')
              .split('/')
              .map((part) => (part.startsWith('{') ? '1' : part)),
          ),
        ),
      );
    expect(documented.sort()).toEqual(Object.keys(REST_POLICY).sort());
  });

  it('refuses a credential a route does not take (403) before reading the body, and changes nothing', async () => {
    const owner = await signUpBuilder(handle, 'rest-owner');
    const slug = `rest-${uniqueSuffix()}`;
    const project = await owner.caller.project.create({ name: 'REST policy', slug });
    const { key } = await owner.caller.apiKeys.create({ projectId: project.id, name: 'backend' });
    const endUser = await signUpEndUser(handle, project.id, {
      email: `buyer-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const tokens: Record<RestCaller, string> = { apiKey: key, endUser: endUser.token };
    const before = await projectDigest(handle, project.id, project.schemaName);
    const refused: string[] = [];
    for (const [route, callers] of Object.entries(REST_POLICY)) {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(':id', '1').split('/');
      for (const caller of ['apiKey', 'endUser'] as const) {
        if (callers.includes(caller)) continue;
        const response = await handleRestRequest(
          servicesFor(handle),
          new Request(`http://localhost/api/v1/${slug}/${path.join('/')}`, {
            method,
            headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
            body: method === 'POST' ? '{"not json' : undefined,
          }),
          [slug, ...path],
        );
        expect(response.status, `${route} as ${caller}`).toBe(403);
        refused.push(`${route} as ${caller}`);
      }
    }
    expect(refused.sort()).toEqual(['POST flows/:id/call as apiKey', 'POST reconcile as endUser']);
    // A refused API-key call still authenticated, so the key's last use is recorded; nothing else may change.
    await executeRows(handle.db, sql`update project_api_key set last_used_at = null where project_id = ${project.id}`);
    expect(await projectDigest(handle, project.id, project.schemaName)).toEqual(before);
    // A route that is not in the table is not served, whatever the credential.
    const unknown = await handleRestRequest(
      servicesFor(handle),
      new Request(`http://localhost/api/v1/${slug}/payments/1/capture`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
      }),
      [slug, 'payments', '1', 'capture'],
    );
    expect(unknown.status).toBe(404);
  }, 120_000);
});
