'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type Block,
  type BlockKind,
  blockCatalog,
  blockKinds,
  getBlockType,
  newBlock,
  type PageContext,
  type PageDefinition,
  type PageIssue,
  pathParams,
  validatePage,
} from '@tillflow/page-model';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { catalogPlans } from '~/lib/catalog-plans';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import type { StudioRouter } from '~/server/api/root';
import { useTRPC } from '~/trpc/react';
import { usePageDraft } from '../_hooks/use-page-draft';
import { PagePreview } from './page-preview';
import { PropertyPanel } from './property-panel';

// ---- pure tree operations on the block list ----
function mapBlocks(blocks: Block[], fn: (b: Block) => Block | null): Block[] {
  return blocks.flatMap((b) => {
    const next = fn(b);
    if (!next) return [];
    return [next.children ? { ...next, children: mapBlocks(next.children, fn) } : next];
  });
}
function trailTo(blocks: Block[], id: string, trail: Block[] = []): Block[] | null {
  for (const b of blocks) {
    if (b.id === id) return [...trail, b];
    const inside = trailTo(b.children ?? [], id, [...trail, b]);
    if (inside) return inside;
  }
  return null;
}
function allIds(blocks: Block[]): string[] {
  return blocks.flatMap((b) => [b.id, ...allIds(b.children ?? [])]);
}
function insertInto(blocks: Block[], parentId: string | null, block: Block): Block[] {
  if (parentId === null) return [...blocks, block];
  return mapBlocks(blocks, (b) => (b.id === parentId ? { ...b, children: [...(b.children ?? []), block] } : b));
}
/** Moves `id` to just before `beforeId` (in that block's list); nothing when the target is inside the moved block. */
function moveBefore(blocks: Block[], id: string, beforeId: string): Block[] {
  const moving = trailTo(blocks, id)?.at(-1);
  if (!moving || id === beforeId || allIds(moving.children ?? []).includes(beforeId)) return blocks;
  const without = mapBlocks(blocks, (b) => (b.id === id ? null : b));
  const place = (list: Block[]): Block[] =>
    list.flatMap((b) => (b.id === beforeId ? [moving, b] : [b.children ? { ...b, children: place(b.children) } : b]));
  return place(without);
}
function shift(blocks: Block[], id: string, delta: -1 | 1): Block[] {
  const i = blocks.findIndex((b) => b.id === id);
  if (i >= 0) {
    const j = i + delta;
    if (j < 0 || j >= blocks.length) return blocks;
    const copy = [...blocks];
    [copy[i], copy[j]] = [copy[j], copy[i]];
    return copy;
  }
  return blocks.map((b) => (b.children ? { ...b, children: shift(b.children, id, delta) } : b));
}

const SAVE_STATE: Record<string, string> = {
  saved: 'All changes saved',
  pending: 'Unsaved changes…',
  saving: 'Saving…',
  conflict: 'Not saved: someone else changed this page',
  error: 'Not saved',
};

/** What the server read for the editor's first paint (the same procedures the browser's queries call). */
export interface PageEditorInitial {
  page: inferRouterOutputs<StudioRouter>['pages']['get'];
  versions: inferRouterOutputs<StudioRouter>['pages']['versions'];
}

/** Studio → Pages → one page: palette, outline, property panel, preview, publish and versions. */
export function PageEditor({
  projectId,
  pageId,
  initial,
}: {
  projectId: number;
  pageId: number;
  initial?: PageEditorInitial;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Seeded from the server's read, fresh for 30 s (the draft is this builder's own; autosave and publish refetch).
  const seeded = <T,>(data: T | undefined) => (data === undefined ? {} : { initialData: data, staleTime: 30_000 });
  const page = useQuery({ ...trpc.pages.get.queryOptions({ projectId, pageId }), ...seeded(initial?.page) });
  const versions = useQuery({
    ...trpc.pages.versions.queryOptions({ projectId, pageId }),
    ...seeded(initial?.versions),
  });
  const editor = usePageDraft(
    projectId,
    pageId,
    page.data ? { draft: page.data.draft, revision: page.data.revision } : undefined,
  );
  // Finance and viewer members look at the page: no palette, no publish, the fields disabled (server/teams/policy.ts).
  const can = useCan();
  const readOnly = !can('pages.saveDraft');
  const [selected, setSelected] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [previewKey, setPreviewKey] = useState(0);
  const context = page.data?.context as PageContext | undefined;
  const draft = editor.draft;
  const issues: PageIssue[] = useMemo(() => (draft && context ? validatePage(draft, context) : []), [draft, context]);
  // The shop's plans (asked of its Stripe account) only once the page has a start-subscription step.
  const subscribes = !!draft && JSON.stringify(draft.blocks).includes('"start_subscription"');
  const catalog = useQuery({ ...trpc.appSettings.previewCatalog.queryOptions({ projectId }), enabled: subscribes });
  const plans = catalog.data ? catalogPlans(catalog.data) : undefined;
  const afterServerChange = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.pages.get.queryKey({ projectId, pageId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.pages.versions.queryKey({ projectId, pageId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.pages.list.queryKey() });
    const fresh = await queryClient.fetchQuery(trpc.pages.get.queryOptions({ projectId, pageId }));
    editor.reset({ draft: fresh.draft, revision: fresh.revision });
    setPreviewKey((k) => k + 1);
  };
  const publish = useMutation(trpc.pages.publish.mutationOptions({ onSuccess: afterServerChange }));
  const rollback = useMutation(trpc.pages.rollback.mutationOptions({ onSuccess: afterServerChange }));
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (readOnly || !(e.metaKey || e.ctrlKey) || (e.target as HTMLElement)?.closest('input, textarea, select'))
        return;
      if (e.key === 'z' && !e.shiftKey) {
        e.preventDefault();
        editor.undo();
      } else if (e.key === 'y' || (e.key === 'z' && e.shiftKey)) {
        e.preventDefault();
        editor.redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  if (page.error) return <p role="alert">{errorMessage(page.error)}</p>;
  if (!draft || !context) return <p className="text-sm text-gray-600">Loading the page…</p>;
  const change = (next: PageDefinition) => {
    if (!readOnly) editor.change(next);
  };
  const setBlocks = (blocks: Block[]) => change({ ...draft, blocks });
  const trail = selected ? trailTo(draft.blocks, selected) : null;
  const block = trail?.at(-1) ?? null;
  const container = block && getBlockType(block.kind)?.children === 'any' ? block.id : (trail?.at(-2)?.id ?? null);
  const add = (kind: BlockKind) => {
    const ids = new Set(allIds(draft.blocks));
    let n = 1;
    while (ids.has(`${kind}_${n}`)) n++;
    const created = newBlock(kind, `${kind}_${n}`) as Block;
    setBlocks(insertInto(draft.blocks, container, created));
    setSelected(created.id);
  };
  const errors = issues.filter((i) => i.severity === 'error');
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <Link href={`/projects/${projectId}/pages`} className="text-sm underline">
            ← Pages
          </Link>
          <h1 className="text-xl font-semibold">{draft.title}</h1>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {readOnly ? (
            <p className="text-sm text-gray-600">
              You can look at this page; owners and editors change and publish it.
            </p>
          ) : (
            <>
              <span className="text-sm text-gray-600" role="status">
                {SAVE_STATE[editor.state]}
              </span>
              <button type="button" className="btn-secondary" onClick={editor.undo} disabled={!editor.canUndo}>
                Undo
              </button>
              <button type="button" className="btn-secondary" onClick={editor.redo} disabled={!editor.canRedo}>
                Redo
              </button>
              <button
                type="button"
                className="btn"
                disabled={errors.length > 0 || publish.isPending || editor.state === 'conflict'}
                onClick={async () => {
                  await editor.flush();
                  publish.mutate({ projectId, pageId });
                }}
              >
                Publish
              </button>
            </>
          )}
        </div>
      </div>
      {editor.problem ? (
        <p role="alert" className="text-sm text-red-700">
          {editor.problem}
        </p>
      ) : null}
      {publish.error ? (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(publish.error)}
        </p>
      ) : null}
      <fieldset disabled={readOnly} className="contents">
        <PageSettings draft={draft} context={context} onChange={change} />
      </fieldset>
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[14rem_1fr_20rem]">
        <div className="flex flex-col gap-3">
          {readOnly ? null : (
            <section aria-labelledby="palette-title" className="card">
              <h2 id="palette-title" className="mb-2 font-medium">
                Blocks
              </h2>
              <p className="mb-2 text-xs text-gray-600">Added inside the selected block (or at the end).</p>
              <div className="flex flex-wrap gap-1">
                {blockKinds.map((kind) => (
                  <button
                    key={kind}
                    type="button"
                    className="btn-secondary text-xs"
                    title={blockCatalog[kind].description}
                    onClick={() => add(kind)}
                  >
                    {blockCatalog[kind].label}
                  </button>
                ))}
              </div>
            </section>
          )}
          <section aria-labelledby="outline-title" className="card">
            <h2 id="outline-title" className="mb-2 font-medium">
              Outline
            </h2>
            {draft.blocks.length === 0 ? <p className="text-sm text-gray-600">Empty page: add a block.</p> : null}
            <Outline
              blocks={draft.blocks}
              selected={selected}
              onSelect={setSelected}
              onDragStart={setDragging}
              readOnly={readOnly}
              onDrop={(target) => {
                if (dragging) setBlocks(moveBefore(draft.blocks, dragging, target));
                setDragging(null);
              }}
              issues={issues}
            />
          </section>
        </div>
        <section aria-labelledby="preview-title" className="card flex min-w-0 flex-col gap-2">
          <h2 id="preview-title" className="font-medium">
            Preview (draft)
          </h2>
          <PagePreview
            projectId={projectId}
            pageId={pageId}
            draft={draft}
            saveState={editor.state}
            reloadKey={previewKey}
          />
          <Versions
            versions={versions.data ?? []}
            onRollback={can('pages.rollback') ? (version) => rollback.mutate({ projectId, pageId, version }) : null}
            error={rollback.error ? errorMessage(rollback.error) : null}
          />
        </section>
        <section aria-labelledby="props-title" className="card flex flex-col gap-3">
          <h2 id="props-title" className="font-medium">
            {block ? `${getBlockType(block.kind)?.label ?? block.kind}: ${block.id}` : 'Properties'}
          </h2>
          {block ? (
            <>
              <fieldset disabled={readOnly} className="contents">
                <PropertyPanel
                  key={block.id}
                  block={block}
                  draft={draft}
                  context={context}
                  issues={issues}
                  plans={plans}
                  onChange={(props) =>
                    setBlocks(mapBlocks(draft.blocks, (b) => (b.id === block.id ? { ...b, props } : b)))
                  }
                />
              </fieldset>
              {readOnly ? null : (
                <div className="flex flex-wrap gap-2">
                  <button
                    type="button"
                    className="btn-secondary"
                    onClick={() => setBlocks(shift(draft.blocks, block.id, -1))}
                  >
                    Move up
                  </button>
                  <button
                    type="button"
                    className="btn-secondary"
                    onClick={() => setBlocks(shift(draft.blocks, block.id, 1))}
                  >
                    Move down
                  </button>
                  <button
                    type="button"
                    className="btn-danger"
                    onClick={() => {
                      setBlocks(mapBlocks(draft.blocks, (b) => (b.id === block.id ? null : b)));
                      setSelected(null);
                    }}
                  >
                    Delete block
                  </button>
                </div>
              )}
            </>
          ) : (
            <p className="text-sm text-gray-600">Select a block in the outline.</p>
          )}
          <IssueList issues={issues} onSelect={setSelected} />
        </section>
      </div>
    </div>
  );
}

function PageSettings({
  draft,
  context,
  onChange,
}: {
  draft: PageDefinition;
  context: PageContext;
  onChange: (d: PageDefinition) => void;
}) {
  const [path, setPath] = useState(draft.path);
  useEffect(() => setPath(draft.path), [draft.path]);
  return (
    <div className="card flex flex-wrap items-end gap-3">
      <div>
        <label className="label" htmlFor="page-title">
          Title
        </label>
        <input
          id="page-title"
          className="input"
          value={draft.title}
          onChange={(e) => onChange({ ...draft, title: e.target.value })}
        />
      </div>
      <div>
        <label className="label" htmlFor="page-path">
          Address
        </label>
        <input
          id="page-path"
          className="input"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          onBlur={() => path !== draft.path && onChange({ ...draft, path })}
          aria-describedby="page-path-help"
        />
        <p id="page-path-help" className="text-xs text-gray-600">
          e.g. /orders/:orderId (
          {pathParams(path).length ? `reads page.params.${pathParams(path).join(', page.params.')}` : 'no parameters'})
        </p>
      </div>
      <div>
        <label className="label" htmlFor="page-access">
          Who can open it
        </label>
        <select
          id="page-access"
          className="input"
          value={draft.access.kind === 'roles' ? `role:${draft.access.roles[0]}` : draft.access.kind}
          onChange={(e) => {
            const v = e.target.value;
            onChange({
              ...draft,
              access: v.startsWith('role:')
                ? { kind: 'roles', roles: [v.slice(5)] }
                : { kind: v as 'public' | 'signed_in' },
            });
          }}
        >
          <option value="public">Anyone</option>
          <option value="signed_in">Anyone signed in</option>
          {context.roles
            .filter((r) => r !== 'anonymous')
            .map((r) => (
              <option key={r} value={`role:${r}`}>
                Only the role “{r}”
              </option>
            ))}
        </select>
      </div>
    </div>
  );
}

function Outline(props: {
  blocks: Block[];
  selected: string | null;
  onSelect: (id: string) => void;
  onDragStart: (id: string) => void;
  onDrop: (targetId: string) => void;
  issues: PageIssue[];
  readOnly?: boolean;
}) {
  return (
    <ul className="flex flex-col gap-1 text-sm">
      {props.blocks.map((b) => {
        const bad = props.issues.some((i) => i.blockId === b.id && i.severity === 'error');
        return (
          <li key={b.id}>
            <button
              type="button"
              draggable={!props.readOnly}
              onDragStart={() => props.onDragStart(b.id)}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => {
                e.preventDefault();
                props.onDrop(b.id);
              }}
              onClick={() => props.onSelect(b.id)}
              aria-pressed={props.selected === b.id}
              className={`w-full rounded px-2 py-1 text-left ${props.selected === b.id ? 'bg-gray-900 text-white' : 'hover:bg-gray-100'}`}
            >
              {getBlockType(b.kind)?.label ?? b.kind} <span className="opacity-70">{b.id}</span>
              {bad ? <span className="ml-1 text-red-600">(problem)</span> : null}
            </button>
            {b.children?.length ? (
              <div className="ml-3 border-l pl-2">
                <Outline {...props} blocks={b.children} />
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function IssueList({ issues, onSelect }: { issues: PageIssue[]; onSelect: (id: string) => void }) {
  if (issues.length === 0) return <p className="text-sm text-green-800">No problems: ready to publish.</p>;
  return (
    <div>
      <h3 className="font-medium">Problems</h3>
      <ul className="flex flex-col gap-1 text-sm">
        {issues.map((i) => (
          <li
            key={`${i.blockId}-${i.field}-${i.message}`}
            className={i.severity === 'error' ? 'text-red-700' : 'text-amber-800'}
          >
            {i.blockId ? (
              <button type="button" className="underline" onClick={() => onSelect(i.blockId as string)}>
                {i.blockId}
              </button>
            ) : null}{' '}
            {i.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Versions({
  versions,
  onRollback,
  error,
}: {
  versions: { version: number; createdAt: Date | string; live: boolean }[];
  /** null: the member may not make an older version live (no button). */
  onRollback: ((version: number) => void) | null;
  error: string | null;
}) {
  if (versions.length === 0) return null;
  return (
    <div>
      <h3 className="font-medium">Versions</h3>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <ul className="flex flex-col gap-1 text-sm">
        {versions.map((v) => (
          <li key={v.version} className="flex items-center gap-2">
            Version {v.version} · {new Date(v.createdAt).toLocaleString('en-US')}
            {v.live ? (
              <span className="rounded bg-green-100 px-1 text-xs text-green-900">live</span>
            ) : onRollback ? (
              <button type="button" className="btn-secondary text-xs" onClick={() => onRollback(v.version)}>
                Make live again
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
