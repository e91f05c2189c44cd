'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { PageView, ViewNode } from '~/server/pages/render';
import { CardForm } from './card-payment';
import { CredentialsForm } from './credentials-form';
import { useAppInfo, useSlug } from './hooks';
import { type AppRouterOutputs, useAppTRPC } from './trpc';
import { ErrorText, LiveIndicator } from './ui';

type PageAnswer = AppRouterOutputs['app']['page'];
type CardEffect = Extract<AppRouterOutputs['app']['runAction']['effects'][number], { kind: 'card' }>;

const GAP: Record<string, string> = { none: 'gap-0', small: 'gap-2', medium: 'gap-4', large: 'gap-8' };
const ALIGN: Record<string, string> = {
  start: 'items-start',
  center: 'items-center',
  end: 'items-end',
  stretch: 'items-stretch',
};
const GRID: Record<number, string> = {
  1: 'sm:grid-cols-1',
  2: 'sm:grid-cols-2',
  3: 'sm:grid-cols-3',
  4: 'sm:grid-cols-2 lg:grid-cols-4',
};
const BADGE: Record<string, string> = {
  grey: 'bg-gray-100 text-gray-800',
  green: 'bg-green-100 text-green-900',
  amber: 'bg-amber-100 text-amber-900',
  red: 'bg-red-100 text-red-900',
  blue: 'bg-blue-100 text-blue-900',
};
const BUTTON: Record<string, string> = {
  primary: 'bg-gray-900 text-white',
  secondary: 'border border-gray-400 bg-white text-gray-900',
  danger: 'bg-red-700 text-white',
};

interface Ctx {
  pageId: number;
  path: string;
  slug: string;
  onMessage: (m: { text: string; tone: string }) => void;
  onCard: (c: CardEffect) => void;
  /** Each data list's pages seen so far (the cursors, first page = none): Next pushes one, Previous pops one. */
  pages: Record<string, string[]>;
  onPage: (blockId: string, cursors: string[]) => void;
  /**
   * The studio's preview of a draft (server/pages/preview.ts): nothing runs. Buttons, forms, sign-in, links and
   * paging say "Preview: actions are not run" instead of calling the app; `me` is the previewed user, if any.
   */
  preview?: { me: { email: string } | null };
}

export const PREVIEW_NOTICE = 'Preview: actions are not run. Publish the page and open it in the app to use them.';

/** A builder-made page: the server's first paint, then kept live from the change stream of the tables it reads. */
export function BuiltPage({ path, initial }: { path: string; initial: PageAnswer }) {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const queryClient = useQueryClient();
  const [pages, setPages] = useState<Record<string, string[]>>({});
  const cursors = Object.fromEntries(
    Object.entries(pages).flatMap(([id, stack]) => (stack.length ? [[id, stack[stack.length - 1]]] : [])),
  );
  const paging = Object.keys(cursors).length > 0;
  const options = trpc.app.page.queryOptions({ projectSlug: slug, path, ...(paging ? { cursors } : {}) });
  // The server's first paint is the first page of every list; a later page is fetched (keeping the last on screen).
  const page = useQuery({ ...options, ...(paging ? { placeholderData: keepPreviousData } : { initialData: initial }) });
  const data = page.data ?? initial;
  const tables = data.status === 'ok' ? data.view.tables : [];
  const live = useSubscription(
    trpc.app.changes.subscriptionOptions(
      { projectSlug: slug, tables },
      {
        enabled: tables.length > 0,
        // Once the stream runs, read the page again: a change made between the server's first paint and the
        // stream's start (e.g. the payment webhook right after Checkout returns) is not in the stream.
        onStarted: () => void queryClient.invalidateQueries({ queryKey: options.queryKey }),
        onData: () => void queryClient.invalidateQueries({ queryKey: options.queryKey }),
      },
    ),
  );
  const [message, setMessage] = useState<{ text: string; tone: string } | null>(null);
  const [card, setCard] = useState<CardEffect | null>(null);
  const router = useRouter();
  if (data.status === 'sign_in')
    return (
      <section className="flex flex-col gap-3">
        <p className="text-sm text-gray-700">Sign in to see “{data.title}”.</p>
        <CredentialsForm mode="sign-in" />
      </section>
    );
  if (data.status === 'forbidden')
    return <p className="text-sm text-gray-700">This page is not available to your account.</p>;
  if (data.status !== 'ok') return <p className="text-sm text-gray-700">There is no page here.</p>;
  // "Pay for an order" with the card form: the Payment Intent (amount set on the server) is paid here, then the
  // shopper goes where the chain goes on success (or stays, with ?paid=), and the order turns paid live.
  const onCard = (effect: CardEffect) => {
    setMessage(null);
    setCard(effect);
  };
  const ctx: Ctx = {
    pageId: data.pageId,
    path,
    slug,
    onMessage: setMessage,
    onCard,
    pages,
    onPage: (blockId, stack) => setPages((all) => ({ ...all, [blockId]: stack })),
  };
  return (
    <section aria-label={data.view.title} className="flex min-w-0 flex-col gap-4">
      {tables.length > 0 ? (
        <div className="flex justify-end">
          <LiveIndicator status={live.status} />
        </div>
      ) : null}
      {message ? (
        <p
          role={message.tone === 'error' ? 'alert' : 'status'}
          className={`rounded p-3 text-sm ${message.tone === 'error' ? 'bg-red-50 text-red-800' : message.tone === 'success' ? 'bg-green-50 text-green-900' : 'bg-blue-50 text-blue-900'}`}
        >
          {message.text}
        </p>
      ) : null}
      {card ? (
        <section aria-label="Pay by card" className="flex max-w-md flex-col gap-2 rounded-lg border bg-white p-4">
          <CardForm
            key={card.clientSecret}
            clientSecret={card.clientSecret}
            label={`Card payment for order ${card.orderId}`}
            publishableKey={card.publishableKey}
            stripeJsUrl={card.stripeJsUrl}
            onPaid={() => {
              setCard(null);
              setMessage({ text: 'Thank you: your payment went through.', tone: 'success' });
              router.push(card.paidHref);
            }}
          />
          <button type="button" className="w-fit text-sm underline" onClick={() => setCard(null)}>
            Not now
          </button>
        </section>
      ) : null}
      <Blocks nodes={data.view.blocks} ctx={ctx} />
    </section>
  );
}

function Blocks({ nodes, ctx }: { nodes: ViewNode[]; ctx: Ctx }) {
  return (
    <>
      {nodes.map((node) => (
        <Block key={node.id} node={node} ctx={ctx} />
      ))}
    </>
  );
}

function Block({ node, ctx }: { node: ViewNode; ctx: Ctx }) {
  switch (node.kind) {
    case 'stack':
      return (
        <div className={`flex min-w-0 flex-col ${GAP[node.gap] ?? 'gap-4'} ${ALIGN[node.align] ?? ''}`}>
          <Blocks nodes={node.children} ctx={ctx} />
        </div>
      );
    case 'row':
      return (
        <div
          className={`flex min-w-0 flex-col sm:flex-row sm:flex-wrap ${GAP[node.gap] ?? 'gap-4'} ${ALIGN[node.align] ?? ''}`}
        >
          <Blocks nodes={node.children} ctx={ctx} />
        </div>
      );
    case 'grid':
      return (
        <div className={`grid min-w-0 grid-cols-1 ${GRID[node.columns] ?? ''} ${GAP[node.gap] ?? 'gap-4'}`}>
          <Blocks nodes={node.children} ctx={ctx} />
        </div>
      );
    case 'heading': {
      const cls =
        node.level === 1
          ? 'text-2xl font-semibold'
          : node.level === 2
            ? 'text-xl font-semibold'
            : 'text-lg font-medium';
      if (node.level === 1) return <h1 className={`${cls} break-words`}>{node.text}</h1>;
      if (node.level === 2) return <h2 className={`${cls} break-words`}>{node.text}</h2>;
      return <h3 className={`${cls} break-words`}>{node.text}</h3>;
    }
    case 'text':
      return <p className={`break-words ${node.tone === 'muted' ? 'text-sm text-gray-600' : ''}`}>{node.text}</p>;
    case 'money':
      return <p className="font-medium tabular-nums">{node.text}</p>;
    case 'image':
      // biome-ignore lint/performance/noImgElement: builder images come from any address; next/image needs them listed
      return node.src ? <img src={node.src} alt={node.alt} className="h-auto max-w-full rounded" /> : null;
    case 'badge':
      return (
        <span
          className={`inline-block w-fit rounded px-2 py-0.5 text-xs font-medium ${BADGE[node.color] ?? BADGE.grey}`}
        >
          {node.text}
        </span>
      );
    case 'divider':
      return <hr className="border-gray-200" />;
    case 'data_list':
      return (
        <div className="flex min-w-0 flex-col gap-3">
          <DataList node={node} ctx={ctx} />
          <ListPager node={node} ctx={ctx} />
        </div>
      );
    case 'record_view':
      return node.found ? (
        <div className="flex min-w-0 flex-col gap-3">
          <Blocks nodes={node.children} ctx={ctx} />
        </div>
      ) : (
        <p className="text-sm text-gray-600">{node.notFoundText}</p>
      );
    case 'form':
      return <FormBlock node={node} ctx={ctx} />;
    case 'button':
      return <ButtonBlock node={node} ctx={ctx} />;
    case 'nav_bar':
      return <NavBar node={node} ctx={ctx} />;
    case 'sign_in':
    case 'sign_up':
      if (ctx.preview) return <PreviewNotice ctx={ctx} label={node.kind === 'sign_in' ? 'Sign in' : 'Sign up'} />;
      return <CredentialsForm mode={node.kind === 'sign_in' ? 'sign-in' : 'sign-up'} />;
    case 'account':
      return ctx.preview ? <PreviewAccount ctx={ctx} /> : <Account />;
    case 'error':
      return (
        <p role="alert" className="rounded border border-red-200 bg-red-50 p-2 text-sm text-red-800">
          {node.message}
        </p>
      );
  }
}

type Effects = AppRouterOutputs['app']['runAction'];

function useRunAction(ctx: Ctx, after?: (result: Effects) => void) {
  const mutation = useRunActionMutation(ctx, after);
  // In the preview nothing is sent: no row is written, no payment started, no flow run.
  if (ctx.preview) return { ...mutation, mutate: () => ctx.onMessage({ text: PREVIEW_NOTICE, tone: 'info' }) };
  return mutation;
}

function useRunActionMutation(ctx: Ctx, after?: (result: Effects) => void) {
  const trpc = useAppTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const signOut = useMutation(trpc.app.signOut.mutationOptions());
  return useMutation(
    trpc.app.runAction.mutationOptions({
      onSuccess: async (result: Effects) => {
        for (const effect of result.effects) {
          if (effect.kind === 'message') ctx.onMessage({ text: effect.text, tone: effect.tone });
          else if (effect.kind === 'card') {
            // What follows (a navigate) waits for the card: the form goes there once the payment went through.
            ctx.onCard(effect);
            break;
          } else if (effect.kind === 'redirect') {
            // Off to Checkout: what follows (a navigate) is where Checkout brings the buyer back.
            window.location.assign(effect.href);
            return;
          } else if (effect.kind === 'navigate') router.push(effect.href);
          else if (effect.kind === 'sign_out') {
            await signOut.mutateAsync({ projectSlug: ctx.slug });
            await queryClient.invalidateQueries();
          }
        }
        await queryClient.invalidateQueries({ queryKey: trpc.app.page.queryKey() });
        after?.(result);
      },
    }),
  );
}

/** Which block of which page, at which address and for which list item, a button or form runs. */
function blockCall(ctx: Ctx, node: Extract<ViewNode, { kind: 'button' | 'form' }>) {
  return { projectSlug: ctx.slug, pageId: ctx.pageId, blockId: node.id, path: ctx.path, itemId: node.itemId };
}

function ButtonBlock({ node, ctx }: { node: Extract<ViewNode, { kind: 'button' }>; ctx: Ctx }) {
  const run = useRunAction(ctx);
  return (
    <div className="flex flex-col gap-1">
      <button
        type="button"
        disabled={run.isPending}
        onClick={() => run.mutate(blockCall(ctx, node))}
        className={`w-fit rounded px-3 py-2 text-sm disabled:opacity-50 ${BUTTON[node.style] ?? BUTTON.primary}`}
      >
        {run.isPending ? 'Please wait…' : node.label}
      </button>
      <ErrorText error={run.error} />
    </div>
  );
}

/**
 * A form of a builder's page. Fields a shopper left empty that must be filled, and fields the server refused, say
 * so beside the field and in one announced line, and focus goes to the first of them (keyboard and screen readers).
 */
function FormBlock({ node, ctx }: { node: Extract<ViewNode, { kind: 'form' }>; ctx: Ctx }) {
  const initial = Object.fromEntries(node.fields.map((f) => [f.column, f.value]));
  const [values, setValues] = useState<Record<string, string | boolean>>(initial);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const fieldId = (column: string) => `${node.id}-${column}`;
  const focusFirst = (errors: Record<string, string>) => {
    const first = node.fields.find((f) => errors[f.column]);
    if (first) document.getElementById(fieldId(first.column))?.focus();
  };
  const run = useRunAction(ctx, (result) => {
    if (result.fieldErrors) focusFirst(result.fieldErrors);
  });
  const refused = (run.data as { fieldErrors?: Record<string, string> } | undefined)?.fieldErrors ?? {};
  const fieldErrors = { ...refused, ...missing };
  const count = node.fields.filter((f) => fieldErrors[f.column]).length;
  return (
    <form
      noValidate
      className="flex max-w-lg flex-col gap-3 rounded-lg border bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        const empty = Object.fromEntries(
          node.fields
            .filter((f) => f.required && f.type !== 'boolean' && String(values[f.column] ?? '').trim() === '')
            .map((f) => [f.column, `Fill in ${f.label}.`]),
        );
        setMissing(empty);
        if (Object.keys(empty).length > 0) {
          run.reset();
          focusFirst(empty);
          return;
        }
        run.mutate({ ...blockCall(ctx, node), form: values });
      }}
    >
      {count > 0 ? (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {count === 1 ? 'One field needs your attention.' : `${count} fields need your attention.`}
        </p>
      ) : null}
      {node.fields.map((f) => {
        const id = fieldId(f.column);
        const error = fieldErrors[f.column];
        const common = {
          id,
          name: f.column,
          required: f.required,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': error ? `${id}-error` : undefined,
          className: 'rounded border px-3 py-2',
        };
        return (
          <div key={f.column} className="flex flex-col gap-1 text-sm">
            <label htmlFor={id}>{f.label}</label>
            {f.type === 'boolean' ? (
              <input
                {...common}
                className="h-4 w-4"
                type="checkbox"
                checked={values[f.column] === true}
                onChange={(e) => setValues({ ...values, [f.column]: e.target.checked })}
              />
            ) : f.options ? (
              <select
                {...common}
                value={String(values[f.column] ?? '')}
                onChange={(e) => setValues({ ...values, [f.column]: e.target.value })}
              >
                <option value="">Choose…</option>
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...common}
                type={
                  f.type === 'integer' || f.type === 'decimal'
                    ? 'number'
                    : f.type === 'timestamp'
                      ? 'datetime-local'
                      : 'text'
                }
                step={f.type === 'decimal' ? 'any' : undefined}
                value={String(values[f.column] ?? '')}
                onChange={(e) => setValues({ ...values, [f.column]: e.target.value })}
              />
            )}
            {error ? (
              <span id={`${id}-error`} className="text-red-700">
                {error}
              </span>
            ) : null}
          </div>
        );
      })}
      <ErrorText error={run.error} />
      <button
        type="submit"
        disabled={run.isPending}
        className="w-fit rounded bg-gray-900 px-3 py-2 text-sm text-white disabled:opacity-50"
      >
        {run.isPending ? 'Please wait…' : node.submitLabel}
      </button>
    </form>
  );
}

function NavBar({ node, ctx }: { node: Extract<ViewNode, { kind: 'nav_bar' }>; ctx: Ctx }) {
  return (
    <nav aria-label="Pages" className="flex flex-wrap items-center gap-3 border-b pb-2 text-sm">
      {node.links.map((l) => (
        <Link
          key={l.href}
          href={l.href}
          className="underline-offset-2 hover:underline"
          onClick={(e) => {
            if (!ctx.preview) return;
            e.preventDefault(); // the preview stays on the page being edited
            ctx.onMessage({ text: 'Preview: links are not followed.', tone: 'info' });
          }}
        >
          {l.label}
        </Link>
      ))}
      {node.showAccount ? ctx.preview ? <PreviewAccount ctx={ctx} compact /> : <Account compact /> : null}
    </nav>
  );
}

/** The account block in the preview: who the page is previewed as; nothing signs in or out. */
function PreviewAccount({ ctx, compact = false }: { ctx: Ctx; compact?: boolean }) {
  const email = ctx.preview?.me?.email;
  return <span className={`text-gray-700 ${compact ? 'ml-auto' : ''}`}>{email ?? 'Sign in'}</span>;
}

/** A sign-in or sign-up block in the preview: a button that says the preview signs nobody in. */
function PreviewNotice({ ctx, label }: { ctx: Ctx; label: string }) {
  return (
    <button
      type="button"
      className="w-fit rounded border px-3 py-2 text-sm"
      onClick={() => ctx.onMessage({ text: PREVIEW_NOTICE, tone: 'info' })}
    >
      {label} form
    </button>
  );
}

/**
 * The studio's preview of a page's draft as one user or role (server/pages/preview.ts renders it): the same blocks
 * as the live app, with every action, link and sign-in inert (they say "Preview: actions are not run").
 */
export function PreviewedPage({
  slug,
  view,
  me,
  as,
}: {
  slug: string;
  view: PageView;
  me: { email: string } | null;
  as: string;
}) {
  const [message, setMessage] = useState<{ text: string; tone: string } | null>(null);
  const ctx: Ctx = {
    pageId: 0,
    path: '',
    slug,
    onMessage: setMessage,
    onCard: () => setMessage({ text: PREVIEW_NOTICE, tone: 'info' }),
    pages: {},
    onPage: () => setMessage({ text: 'Preview: the first page of each list is shown.', tone: 'info' }),
    preview: { me },
  };
  return (
    <section aria-label={view.title} className="flex min-w-0 flex-col gap-4">
      <p className="rounded bg-amber-50 p-2 text-xs text-amber-900">
        Preview of the draft as {as}. Actions are not run.
      </p>
      {message ? (
        <p role="status" className="rounded bg-blue-50 p-3 text-sm text-blue-900">
          {message.text}
        </p>
      ) : null}
      <Blocks nodes={view.blocks} ctx={ctx} />
    </section>
  );
}

function Account({ compact = false }: { compact?: boolean }) {
  const info = useAppInfo();
  const slug = useSlug();
  const trpc = useAppTRPC();
  const queryClient = useQueryClient();
  const signOut = useMutation(trpc.app.signOut.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }));
  const me = info.data?.me;
  if (!me)
    return (
      <Link href={`/app/${slug}/sign-in`} className={compact ? 'ml-auto underline' : 'underline'}>
        Sign in
      </Link>
    );
  return (
    <div className={`flex flex-wrap items-center gap-2 ${compact ? 'ml-auto' : ''}`}>
      <span className="break-all text-gray-700">{me.email}</span>
      <button type="button" className="rounded border px-2 py-1" onClick={() => signOut.mutate({ projectSlug: slug })}>
        Sign out
      </button>
    </div>
  );
}

export type { PageView };

function DataList({ node, ctx }: { node: Extract<ViewNode, { kind: 'data_list' }>; ctx: Ctx }) {
  if (node.items.length === 0) return <p className="text-sm text-gray-600">{node.emptyText}</p>;
  if (node.layout === 'table')
    return (
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead>
            <tr>
              {node.columns.map((c) => (
                <th key={c} scope="col" className="border-b p-2 font-medium">
                  {c.replace(/_/g, ' ')}
                </th>
              ))}
              <th scope="col" className="border-b p-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {node.items.map((item) => (
              <tr key={item.rowId} data-testid={`row-${item.rowId}`}>
                {item.cells.map((cell, i) => (
                  <td key={node.columns[i]} className="border-b p-2">
                    {cell}
                  </td>
                ))}
                <td className="border-b p-2">
                  <Blocks nodes={item.children} ctx={ctx} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  return (
    <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {node.items.map((item) => (
        <li
          key={item.rowId}
          className="flex min-w-0 flex-col gap-2 rounded-lg border bg-white p-4"
          data-testid={`row-${item.rowId}`}
        >
          <Blocks nodes={item.children} ctx={ctx} />
        </li>
      ))}
    </ul>
  );
}

/** Previous / Next under a list that has more than one page (keyset pages of the list's page size). */
function ListPager({ node, ctx }: { node: Extract<ViewNode, { kind: 'data_list' }>; ctx: Ctx }) {
  const stack = ctx.pages[node.id] ?? [];
  if (!node.nextCursor && stack.length === 0) return null;
  return (
    <nav aria-label="More rows" className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        className="rounded border px-3 py-2 text-sm disabled:opacity-50"
        disabled={stack.length === 0}
        onClick={() => ctx.onPage(node.id, stack.slice(0, -1))}
      >
        Previous
      </button>
      <span className="text-sm text-gray-600">Page {stack.length + 1}</span>
      <button
        type="button"
        className="rounded border px-3 py-2 text-sm disabled:opacity-50"
        disabled={!node.nextCursor}
        onClick={() => node.nextCursor && ctx.onPage(node.id, [...stack, node.nextCursor])}
      >
        Next
      </button>
    </nav>
  );
}
