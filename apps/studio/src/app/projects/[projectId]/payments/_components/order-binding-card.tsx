'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** Currencies offered for the shop; any other ISO code Stripe supports can be typed. */
const COMMON_CURRENCIES = ['usd', 'eur', 'gbp', 'cad', 'aud', 'chf', 'jpy', 'sek', 'nok', 'dkk', 'pln', 'inr', 'brl'];

/**
 * What an order costs: which order column holds the price, which its currency, and the shop's currency for
 * orders without one. Those columns (and the status) are then set only by the shop, never by shoppers.
 */
export function OrderBindingCard({ projectId, orderTable }: { projectId: number; orderTable: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const binding = useQuery(trpc.payments.orderBinding.queryOptions({ projectId }));
  const [amountColumn, setAmountColumn] = useState('');
  const [currencyColumn, setCurrencyColumn] = useState('');
  const [currency, setCurrency] = useState('usd');
  useEffect(() => {
    if (!binding.data) return;
    setAmountColumn(binding.data.amountColumn ?? '');
    setCurrencyColumn(binding.data.currencyColumn ?? '');
    setCurrency(binding.data.currency);
  }, [binding.data]);
  const save = useMutation(
    trpc.payments.saveOrderBinding.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.payments.orderBinding.queryKey() }),
    }),
  );
  const errors = fieldErrors(save.error);
  // Which column holds the price is build work (owners and editors); others see it disabled and no Save.
  const mayChange = useCan()('payments.saveOrderBinding');
  const b = binding.data;
  if (!b) return null;
  const currencies = COMMON_CURRENCIES.includes(currency) ? COMMON_CURRENCIES : [currency, ...COMMON_CURRENCIES];
  return (
    <section className="card space-y-3" aria-labelledby="order-cost-heading">
      <h2 id="order-cost-heading" className="font-semibold">
        What orders cost
      </h2>
      <p className="text-sm text-slate-600">
        When a shopper pays for an order of <strong>{orderTable}</strong>, Tillflow charges the amount in the column you
        pick here, in cents (or your currency's smallest unit). Only your shop sets these columns — the app's Buy
        button, your automations and your own backend; shoppers cannot fill them in or change them.
      </p>
      <form
        className="grid gap-3 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (mayChange)
            save.mutate({
              projectId,
              amountColumn: amountColumn || null,
              currencyColumn: currencyColumn || null,
              currency,
            });
        }}
      >
        <fieldset disabled={!mayChange} className="contents">
          <div>
            <label className="label" htmlFor="amount-column">
              Amount column
            </label>
            <select
              id="amount-column"
              className="input"
              value={amountColumn}
              onChange={(e) => setAmountColumn(e.target.value)}
            >
              <option value="">None yet</option>
              {b.amountChoices.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            {errors.amountColumn && <p className="field-error">{errors.amountColumn}</p>}
          </div>
          <div>
            <label className="label" htmlFor="currency-column">
              Currency column
            </label>
            <select
              id="currency-column"
              className="input"
              value={currencyColumn}
              onChange={(e) => setCurrencyColumn(e.target.value)}
            >
              <option value="">None: use the shop's currency</option>
              {b.currencyChoices.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            {errors.currencyColumn && <p className="field-error">{errors.currencyColumn}</p>}
          </div>
          <div>
            <label className="label" htmlFor="shop-currency">
              Shop's currency
            </label>
            <select id="shop-currency" className="input" value={currency} onChange={(e) => setCurrency(e.target.value)}>
              {currencies.map((code) => (
                <option key={code} value={code}>
                  {code.toUpperCase()}
                </option>
              ))}
            </select>
            {errors.currency && <p className="field-error">{errors.currency}</p>}
          </div>
          <p className="text-sm text-slate-700 sm:col-span-3">
            {currencyColumn
              ? `Orders are charged in the currency their "${currencyColumn}" says, or ${currency.toUpperCase()} when it is empty.`
              : `Orders are charged in ${currency.toUpperCase()}.`}{' '}
            {b.serverColumns.length > 0 && <>Set only by your shop: {b.serverColumns.join(', ')}.</>}
          </p>
          {mayChange && (
            <div className="sm:col-span-3">
              <button className="btn" type="submit" disabled={save.isPending}>
                Save what orders cost
              </button>
            </div>
          )}
        </fieldset>
      </form>
      {save.isSuccess && <p className="text-sm text-green-700">Saved.</p>}
      {save.error && !errors.amountColumn && !errors.currencyColumn && !errors.currency && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
    </section>
  );
}
