'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

interface Props {
  projectId: number;
  settings: { activatedAt: Date | null; orderTable: string | null; bindableTables: string[] };
}

export function ActivationCard({ projectId, settings }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [orderTable, setOrderTable] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [setupDefaults, setSetupDefaults] = useState(true);
  const activate = useMutation(
    trpc.payments.activate.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
    }),
  );
  const changes = activate.data?.changes ?? [];
  const can = useCan();
  if (!settings.activatedAt && !can('payments.activate'))
    return (
      <section className="card" aria-labelledby="activation-heading">
        <h2 id="activation-heading" className="font-semibold">
          Payments are off
        </h2>
        <p className="mt-1 text-sm text-slate-700">Only the project’s owners can turn payments on.</p>
      </section>
    );
  if (settings.activatedAt)
    return (
      <section className="card" aria-labelledby="activation-heading">
        <h2 id="activation-heading" className="font-semibold">
          Payments are on
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          Your orders are kept in <strong>{settings.orderTable}</strong>. Payments, refunds and subscriptions are
          recorded next to them in the tables <strong>payment</strong>, <strong>refund</strong> and{' '}
          <strong>recurring payment</strong>, which Tillflow fills in for you (Data lists them as kept by Tillflow).
        </p>
        {changes.length > 0 && (
          <div className="mt-3 rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900">
            <p className="font-medium">So that shoppers can buy, Tillflow also:</p>
            <ul aria-label="What activation set up" className="mt-1 list-disc pl-5">
              {changes.map((c) => (
                <li key={c.description}>{c.description}</li>
              ))}
            </ul>
          </div>
        )}
      </section>
    );
  return (
    <section className="card space-y-3" aria-labelledby="activation-heading">
      <h2 id="activation-heading" className="font-semibold">
        Activate payments
      </h2>
      <p className="text-sm text-slate-600">
        Pick the table that holds your orders. Tillflow then records each payment, refund and subscription next to your
        orders and sets up the automations that mark an order paid, failed or refunded.
      </p>
      {settings.bindableTables.length === 0 ? (
        <p className="text-sm text-slate-700">
          First make a table for your orders in <Link href={`/projects/${projectId}/data`}>Data</Link> (a name and an
          amount are enough).
        </p>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            activate.mutate({ projectId, orderTable, confirmPermanent: confirmed, setupDefaults });
          }}
        >
          <div>
            <label className="label" htmlFor="order-table">
              Order table
            </label>
            <select
              id="order-table"
              className="input"
              value={orderTable}
              onChange={(e) => setOrderTable(e.target.value)}
            >
              <option value="">Choose a table…</option>
              {settings.bindableTables.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 h-5 w-5"
              checked={setupDefaults}
              onChange={(e) => setSetupDefaults(e.target.checked)}
            />
            <span>
              Set up buying for me: shoppers may create and see their own orders, each order remembers who placed it,
              and a status (pending, paid, failed, refunded, partially refunded, disputed, dispute lost) is kept for
              you. Recommended; you will see what was added. Either way, an order's amount, currency and status are then
              set only by your shop (the app's Buy button, automations, your backend), never by shoppers.
            </span>
          </label>
          <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
            <p>
              Choose carefully: once payments are on, this table stays your order table. You can still add and rename
              its columns, but you cannot switch to another table or delete it. If you are unsure, a table called
              “orders” is the usual choice.
            </p>
            <label className="mt-2 flex items-start gap-2">
              <input
                type="checkbox"
                className="mt-0.5 h-5 w-5"
                checked={confirmed}
                onChange={(e) => setConfirmed(e.target.checked)}
              />
              <span>I understand this table stays my order table.</span>
            </label>
          </div>
          <button className="btn" type="submit" disabled={!orderTable || !confirmed || activate.isPending}>
            Activate payments
          </button>
          {activate.error && (
            <p role="alert" className="field-error">
              {errorMessage(activate.error)}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
