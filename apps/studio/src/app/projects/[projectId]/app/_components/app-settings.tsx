'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { formatMoney } from '~/lib/money';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

type Source = 'none' | 'table' | 'prices' | 'both';

/** Studio → App: what the generated app at /app/<slug> offers, and a link to preview it. */
export function AppSettingsPage({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useQuery(trpc.project.get.queryOptions({ projectId }));
  const settings = useQuery(trpc.appSettings.get.queryOptions({ projectId }));
  const tables = useQuery(trpc.dataModel.listTables.queryOptions({ projectId }));
  const preview = useQuery(trpc.appSettings.previewCatalog.queryOptions({ projectId }));
  const payments = useQuery(trpc.payments.settings.queryOptions({ projectId }));
  // Finance and viewer members read the catalog settings; owners and editors change them (server/teams/policy.ts).
  const mayChange = useCan()('appSettings.save');
  const [title, setTitle] = useState('');
  const [source, setSource] = useState<Source>('none');
  const [table, setTable] = useState('');
  const [nameColumn, setNameColumn] = useState('');
  const [priceColumn, setPriceColumn] = useState('');
  const [currencyColumn, setCurrencyColumn] = useState('');
  const [orderLabelColumn, setOrderLabelColumn] = useState('');
  const [priceIds, setPriceIds] = useState('');
  const [trialDays, setTrialDays] = useState('');
  // The form takes the saved settings once; later refetches must not overwrite what the builder is typing.
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!settings.data || ready) return;
    setReady(true);
    const c = settings.data.catalog;
    setTitle(settings.data.title ?? '');
    setSource(c.source);
    setTable(c.table ?? '');
    setNameColumn(c.nameColumn ?? '');
    setPriceColumn(c.priceColumn ?? '');
    setCurrencyColumn(c.currencyColumn ?? '');
    setOrderLabelColumn(c.orderLabelColumn ?? '');
    setPriceIds((c.priceIds ?? []).join('\n'));
    setTrialDays(c.trialDays ? String(c.trialDays) : '');
  }, [settings.data, ready]);
  const save = useMutation(
    trpc.appSettings.save.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.appSettings.get.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.appSettings.previewCatalog.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const userTables = (tables.data ?? []).filter((t) => !t.isSystem);
  const columns = userTables.find((t) => t.name === table)?.columns ?? [];
  const orderTable = (tables.data ?? []).find((t) => t.id === payments.data?.orderTableId);
  const slug = project.data?.slug;
  const columnSelect = (id: string, label: string, value: string, set: (v: string) => void, optional = false) => (
    <div>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="input" value={value} onChange={(e) => set(e.target.value)}>
        <option value="">{optional ? '(none)' : 'Pick a column'}</option>
        {columns.map((c) => (
          <option key={c.id} value={c.name}>
            {c.name} ({c.type})
          </option>
        ))}
      </select>
      {errors[id] ? <p className="field-error">{errors[id]}</p> : null}
    </div>
  );
  return (
    <div className="max-w-3xl space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">Generated app</h1>
        {slug ? (
          <a className="btn-secondary" href={`/app/${slug}`} target="_blank" rel="noreferrer">
            Open the app (/app/{slug})
          </a>
        ) : null}
      </div>
      {!ready ? <p className="text-sm text-slate-600">Loading…</p> : null}
      <form
        hidden={!ready}
        className="card space-y-3"
        aria-labelledby="catalog-heading"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            projectId,
            title: title || null,
            catalog: {
              source,
              ...(source === 'table' || source === 'both'
                ? {
                    table,
                    nameColumn,
                    priceColumn,
                    currencyColumn: currencyColumn || undefined,
                  }
                : {}),
              ...(source === 'prices' || source === 'both'
                ? {
                    priceIds: priceIds.split(/[\s,]+/).filter(Boolean),
                    trialDays: trialDays ? Number(trialDays) : undefined,
                  }
                : {}),
              orderLabelColumn: orderLabelColumn || undefined,
            },
          });
        }}
      >
        <h2 id="catalog-heading" className="font-semibold">
          Catalog
        </h2>
        {mayChange ? null : (
          <p className="text-sm text-slate-600">You can look at these settings; owners and editors change them.</p>
        )}
        <fieldset disabled={!mayChange} className="contents">
          <div>
            <label className="label" htmlFor="app-title">
              App title
            </label>
            <input id="app-title" className="input" value={title} onChange={(e) => setTitle(e.target.value)} />
          </div>
          <fieldset className="space-y-1">
            <legend className="label">What can be bought</legend>
            {(
              [
                ['none', 'Nothing yet'],
                ['table', 'Rows of one of my tables'],
                ['prices', 'Stripe prices'],
                ['both', 'Both'],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="flex items-center gap-2 text-sm">
                <input type="radio" name="source" checked={source === value} onChange={() => setSource(value)} />
                {label}
              </label>
            ))}
          </fieldset>
          {source === 'table' || source === 'both' ? (
            <div className="grid gap-3 sm:grid-cols-2">
              <div>
                <label className="label" htmlFor="table">
                  Products table
                </label>
                <select id="table" className="input" value={table} onChange={(e) => setTable(e.target.value)}>
                  <option value="">Pick a table</option>
                  {userTables.map((t) => (
                    <option key={t.id} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </select>
                {errors.table ? <p className="field-error">{errors.table}</p> : null}
              </div>
              {columnSelect('nameColumn', 'Name column', nameColumn, setNameColumn)}
              <div>
                {columnSelect('priceColumn', 'Price column', priceColumn, setPriceColumn)}
                <p className="mt-1 text-xs text-slate-500">
                  A decimal column holds prices as you write them (8.50); an integer column holds them in cents (850).
                </p>
              </div>
              {columnSelect('currencyColumn', 'Currency column (default usd)', currencyColumn, setCurrencyColumn, true)}
            </div>
          ) : null}
          {source === 'prices' || source === 'both' ? (
            <div className="grid gap-3 sm:grid-cols-2">
              <div>
                <label className="label" htmlFor="price-ids">
                  Stripe price ids (one per line)
                </label>
                <textarea
                  id="price-ids"
                  className="input min-h-24 font-mono"
                  value={priceIds}
                  onChange={(e) => setPriceIds(e.target.value)}
                />
                {errors.priceIds ? <p className="field-error">{errors.priceIds}</p> : null}
              </div>
              <div>
                <label className="label" htmlFor="trial-days">
                  Free trial for subscriptions (days)
                </label>
                <input
                  id="trial-days"
                  type="number"
                  min={1}
                  max={730}
                  className="input"
                  value={trialDays}
                  onChange={(e) => setTrialDays(e.target.value)}
                />
              </div>
            </div>
          ) : null}
          {orderTable ? (
            <div className="max-w-sm">
              <label className="label" htmlFor="orderLabelColumn">
                Order column that records what was bought
              </label>
              <select
                id="orderLabelColumn"
                className="input"
                value={orderLabelColumn}
                onChange={(e) => setOrderLabelColumn(e.target.value)}
              >
                <option value="">(none)</option>
                {orderTable.columns
                  .filter((c) => c.type === 'text')
                  .map((c) => (
                    <option key={c.id} value={c.name}>
                      {c.name}
                    </option>
                  ))}
              </select>
            </div>
          ) : null}
          {save.error ? (
            <p role="alert" className="field-error">
              {errorMessage(save.error)}
            </p>
          ) : null}
          {save.isSuccess ? (
            <p role="status" className="text-sm text-green-700">
              Saved.
            </p>
          ) : null}
        </fieldset>
        {mayChange ? (
          <button type="submit" className="btn" disabled={save.isPending}>
            Save catalog
          </button>
        ) : null}
      </form>
      <section className="card space-y-2" aria-labelledby="preview-heading">
        <h2 id="preview-heading" className="font-semibold">
          What the app shows
        </h2>
        {preview.error ? <p className="field-error">{errorMessage(preview.error)}</p> : null}
        {preview.data?.length === 0 ? <p className="text-sm text-slate-600">Nothing is offered yet.</p> : null}
        <ul className="divide-y text-sm">
          {preview.data?.map((item) => (
            <li key={item.key} className="flex justify-between py-1.5">
              <span>{item.name}</span>
              <span>
                {formatMoney(item.amount, item.currency)}
                {item.recurring ? ` / ${item.recurring.interval}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
