'use client';

import { useQuery } from '@tanstack/react-query';
import { type PageDefinition, pathParams } from '@tillflow/page-model';
import { useEffect, useState } from 'react';
import type { PreviewAs } from '~/server/pages/preview';
import { previewAsParam } from '~/server/pages/preview-as';
import { useTRPC } from '~/trpc/react';

/** The preview iframe's address: the draft as `as`, with the page's address params, reloaded by `reload`. */
export function previewSrc(
  projectId: number,
  pageId: number,
  as: PreviewAs,
  params: Record<string, string>,
  reload: string,
) {
  const query = new URLSearchParams({ as: previewAsParam(as) });
  for (const [name, value] of Object.entries(params)) if (value) query.set(`p.${name}`, value);
  query.set('r', reload);
  return `/preview/${projectId}/${pageId}?${query}`;
}

/**
 * The page editor's live preview: the DRAFT with real data, as a visitor, one of the app's users or a role, in an
 * iframe at phone or desktop width. It reloads after each autosave (`saveState` back to saved) and after a publish
 * or rollback (`reloadKey`). Nothing in it runs an action (app/preview/…/page.tsx, server/pages/preview.ts).
 */
export function PagePreview({
  projectId,
  pageId,
  draft,
  saveState,
  reloadKey,
}: {
  projectId: number;
  pageId: number;
  draft: PageDefinition;
  saveState: string;
  reloadKey: number;
}) {
  const trpc = useTRPC();
  const [width, setWidth] = useState<390 | 1024>(390);
  const [as, setAs] = useState<PreviewAs>({ kind: 'visitor' });
  const [search, setSearch] = useState('');
  const [params, setParams] = useState<Record<string, string>>({});
  const [saves, setSaves] = useState(0);
  // The frame loads once the editor is on screen (not in its server HTML), so it never competes with the editor's
  // own first paint for the server.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  useEffect(() => {
    if (saveState === 'saved') setSaves((n) => n + 1);
  }, [saveState]);
  const people = useQuery(
    trpc.endUsers.list.queryOptions({ projectId, ...(search.trim() ? { search: search.trim() } : {}) }),
  );
  const users = people.data?.users ?? [];
  const roles = (people.data?.roles ?? []).filter((r) => r !== 'anonymous');
  const names = pathParams(draft.path);
  const src = previewSrc(projectId, pageId, as, params, `${saves}.${reloadKey}`);
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col gap-1">
          Preview as
          <select
            className="rounded border px-2 py-1"
            value={as.kind}
            onChange={(e) => {
              const kind = e.target.value;
              if (kind === 'visitor') setAs({ kind: 'visitor' });
              else if (kind === 'user' && users[0]) setAs({ kind: 'user', userId: Number(users[0].id) });
              else if (kind === 'role' && roles[0]) setAs({ kind: 'role', role: roles[0] });
            }}
          >
            <option value="visitor">Visitor (not signed in)</option>
            <option value="user" disabled={users.length === 0 && !search}>
              Signed-in user…
            </option>
            <option value="role" disabled={roles.length === 0}>
              Role…
            </option>
          </select>
        </label>
        {as.kind === 'user' ? (
          <>
            <label className="flex flex-col gap-1">
              Find a user
              <input
                type="search"
                className="rounded border px-2 py-1"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
              />
            </label>
            <label className="flex flex-col gap-1">
              User
              <select
                className="rounded border px-2 py-1"
                value={as.userId}
                onChange={(e) => setAs({ kind: 'user', userId: Number(e.target.value) })}
              >
                {users.some((u) => Number(u.id) === as.userId) ? null : <option value={as.userId}>(chosen)</option>}
                {users.map((u) => (
                  <option key={String(u.id)} value={Number(u.id)}>
                    {String(u.email)} ({String(u.role)})
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        {as.kind === 'role' ? (
          <label className="flex flex-col gap-1">
            Role
            <select
              className="rounded border px-2 py-1"
              value={as.role}
              onChange={(e) => setAs({ kind: 'role', role: e.target.value })}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {names.map((name) => (
          <label key={name} className="flex flex-col gap-1">
            {`Address value “${name}”`}
            <input
              className="w-28 rounded border px-2 py-1"
              value={params[name] ?? ''}
              onChange={(e) => setParams({ ...params, [name]: e.target.value })}
            />
          </label>
        ))}
        <div className="ml-auto flex gap-1">
          <button type="button" className={width === 390 ? 'btn' : 'btn-secondary'} onClick={() => setWidth(390)}>
            Phone
          </button>
          <button type="button" className={width === 1024 ? 'btn' : 'btn-secondary'} onClick={() => setWidth(1024)}>
            Desktop
          </button>
        </div>
      </div>
      <p className="text-xs text-gray-600">
        The draft with real data, as it would show to this person; it follows your edits once they are saved. Buttons
        and forms do not run here (no rows written, no payments): publish to use them.
      </p>
      <div className="overflow-x-auto">
        {mounted ? (
          <iframe title="Page preview" src={src} style={{ width, height: 640 }} className="rounded border bg-white" />
        ) : null}
      </div>
    </div>
  );
}
