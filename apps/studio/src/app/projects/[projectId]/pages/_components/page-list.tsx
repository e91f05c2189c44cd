'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

const STATUS: Record<string, string> = {
  draft: 'Not published',
  published: 'Live',
  changed: 'Live, with unpublished changes',
};

/** Studio → Pages: the app's pages (create, rename, duplicate, delete, set home) and a link into each editor. */
export function PageList({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const pages = useQuery(trpc.pages.list.queryOptions({ projectId }));
  const project = useQuery(trpc.project.get.queryOptions({ projectId }));
  const [title, setTitle] = useState('');
  const [renaming, setRenaming] = useState<{ id: number; title: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.pages.list.queryKey() });
  const create = useMutation(
    trpc.pages.create.mutationOptions({
      onSuccess: () => {
        setTitle('');
        return refresh();
      },
    }),
  );
  const rename = useMutation(
    trpc.pages.rename.mutationOptions({
      onSuccess: () => {
        setRenaming(null);
        return refresh();
      },
    }),
  );
  const duplicate = useMutation(trpc.pages.duplicate.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.pages.delete.mutationOptions({ onSuccess: refresh }));
  const setHome = useMutation(trpc.pages.setHome.mutationOptions({ onSuccess: refresh }));
  const error = [create, rename, duplicate, remove, setHome].find((m) => m.error)?.error;
  return (
    <div className="flex flex-col gap-4">
      <div>
        <h1 className="text-2xl font-semibold">Pages</h1>
        <p className="text-sm text-gray-600">
          The pages of your app. Compose each from blocks, bind them to your tables and put actions (pay, subscribe,
          refund, call an actionflow) on your own buttons. A page is live at its address once published.
        </p>
      </div>
      {can('pages.create') && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId, title });
          }}
        >
          <div>
            <label className="label" htmlFor="new-page-title">
              New page
            </label>
            <input
              id="new-page-title"
              className="input"
              placeholder="e.g. Pricing"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              required
            />
          </div>
          <button type="submit" className="btn" disabled={create.isPending}>
            Create page
          </button>
        </form>
      )}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(error)}
        </p>
      ) : null}
      {pages.data?.length === 0 ? <p className="text-sm text-gray-600">No pages yet.</p> : null}
      <ul className="flex flex-col gap-2">
        {pages.data?.map((page) => (
          <li key={page.id} className="card flex flex-wrap items-center justify-between gap-3">
            <div className="min-w-0">
              {renaming?.id === page.id ? (
                <form
                  className="flex gap-2"
                  onSubmit={(e) => {
                    e.preventDefault();
                    rename.mutate({ projectId, pageId: page.id, title: renaming.title });
                  }}
                >
                  <label className="sr-only" htmlFor={`rename-${page.id}`}>
                    Page name
                  </label>
                  <input
                    id={`rename-${page.id}`}
                    className="input"
                    value={renaming.title}
                    onChange={(e) => setRenaming({ id: page.id, title: e.target.value })}
                  />
                  <button type="submit" className="btn">
                    Save
                  </button>
                </form>
              ) : (
                <Link
                  href={`/projects/${projectId}/pages/${page.id}`}
                  className="font-medium underline-offset-2 hover:underline"
                >
                  {page.title}
                </Link>
              )}
              <p className="text-sm text-gray-600">
                {page.path}
                {page.isHome ? ' · home' : ''} · {STATUS[page.status]}
                {page.publishedPath && project.data ? (
                  <>
                    {' · '}
                    <a
                      className="underline"
                      href={`/app/${project.data.slug}${page.publishedPath}`}
                      target="_blank"
                      rel="noreferrer"
                    >
                      open
                    </a>
                  </>
                ) : null}
              </p>
            </div>
            {can('pages.rename') && (
              <div className="flex flex-wrap gap-2">
                <button
                  type="button"
                  className="btn-secondary"
                  onClick={() => setRenaming({ id: page.id, title: page.title })}
                >
                  Rename
                </button>
                <button
                  type="button"
                  className="btn-secondary"
                  onClick={() => duplicate.mutate({ projectId, pageId: page.id })}
                >
                  Duplicate
                </button>
                {!page.isHome ? (
                  <button
                    type="button"
                    className="btn-secondary"
                    onClick={() => setHome.mutate({ projectId, pageId: page.id })}
                  >
                    Set as home
                  </button>
                ) : null}
                <button
                  type="button"
                  className="btn-danger"
                  onClick={() => {
                    if (window.confirm(`Delete the page “${page.title}”?`))
                      remove.mutate({ projectId, pageId: page.id });
                  }}
                >
                  Delete
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
