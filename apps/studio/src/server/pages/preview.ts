import { TillflowError } from '@tillflow/core';
import { type Actor, BACKEND, getRow, listRoles } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { fillPath, pageDefinitionSchema, pathParams } from '@tillflow/page-model';
import { z } from 'zod';
import { mayOpen, type PageView, renderPage } from './render';
import { getPage } from './store';

// The studio's live preview of a page's DRAFT, read as a chosen end user or role. Called only through the studio's
// `pages.preview` procedure (a builder session and project membership, never the app's end-user cookie). Reads go
// through the same renderPage and data-access layer as the app, as the chosen actor, so the preview shows exactly
// that user's rows and that role's buttons. The preview never runs an action: its buttons and forms say so
// (see built-page.tsx `preview`), and nothing here writes.

export const previewAsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('visitor') }),
  z.object({ kind: z.literal('user'), userId: z.number().int().positive() }),
  z.object({ kind: z.literal('role'), role: z.string().min(1).max(100) }),
]);
export type PreviewAs = z.infer<typeof previewAsSchema>;

/**
 * A role with no particular user: rows "I own" are nobody's (no row of any user shows), the role's permissions and
 * row scope apply. No end user has this id (ids start at 1).
 */
const NO_USER = 0;

export type PreviewAnswer =
  | { status: 'ok'; as: string; me: { email: string } | null; path: string; view: PageView }
  | { status: 'sign_in' | 'forbidden' | 'params'; as: string; title: string; missing?: string[] };

/** Who the preview reads as: the actor (a user of THIS project, a role of THIS project) and how to say it. */
async function previewActor(
  handle: DbHandle,
  projectId: number,
  as: PreviewAs,
): Promise<{ actor: Actor; label: string; me: { email: string } | null }> {
  if (as.kind === 'visitor') return { actor: { kind: 'anonymous' }, label: 'a visitor (not signed in)', me: null };
  if (as.kind === 'user') {
    const row = await getRow(handle.db, projectId, BACKEND, 'end_user', as.userId);
    if (!row) throw new TillflowError('NOT_FOUND', 'There is no such user in this app.');
    const email = String(row.email);
    return {
      actor: { kind: 'endUser', userId: row.id, role: String(row.role) },
      label: `${email} (${String(row.role)})`,
      me: { email },
    };
  }
  const roles = await listRoles(handle.db, projectId);
  if (!roles.some((r) => r.name === as.role)) throw new TillflowError('NOT_FOUND', `There is no role "${as.role}".`);
  if (as.role === 'anonymous') return { actor: { kind: 'anonymous' }, label: 'a visitor (not signed in)', me: null };
  return {
    actor: { kind: 'endUser', userId: NO_USER, role: as.role },
    label: `the role "${as.role}" (no particular user: rows they own are none)`,
    me: null,
  };
}

/** The page's current draft rendered with real data as `as`, with `params` for an address like /orders/:orderId. */
export async function previewDraft(
  handle: DbHandle,
  project: { id: number; slug: string },
  input: { pageId: number; as: PreviewAs; params?: Record<string, string> },
): Promise<PreviewAnswer> {
  const page = await getPage(handle.db, project.id, input.pageId);
  const definition = pageDefinitionSchema.parse(page.draft);
  const { actor, label, me } = await previewActor(handle, project.id, input.as);
  const names = pathParams(definition.path);
  const params = Object.fromEntries(names.map((n) => [n, String(input.params?.[n] ?? '').trim()]));
  const missing = names.filter((n) => !params[n]);
  if (missing.length > 0) return { status: 'params', as: label, title: definition.title, missing };
  const access = mayOpen(definition, actor);
  if (access !== 'ok') return { status: access, as: label, title: definition.title };
  const path = fillPath(definition.path, params);
  const view = await renderPage(handle, project, actor, definition, params, path);
  return { status: 'ok', as: label, me, path, view };
}
