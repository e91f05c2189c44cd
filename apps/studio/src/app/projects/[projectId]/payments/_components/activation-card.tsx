'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
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
  const activate = useMutation(
    trpc.payments.activate.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(),
    }),
  );
  if (settings.activatedAt)
    return (
      <section className="card" aria-labelledby="activation-heading">
        <h2 id="activation-heading" className="font-semibold">
          Activation
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          Payments are active. Order table: <strong>{settings.orderTable}</strong> (bound permanently). System tables:{' '}
          <strong>payment</strong>, <strong>recurring_payment</strong>, <strong>refund</strong>.
        </p>
      </section>
    );
  return (
    <section className="card space-y-3" aria-labelledby="activation-heading">
      <h2 id="activation-heading" className="font-semibold">
        Activate payments
      </h2>
      <p className="text-sm text-slate-600">
        Pick the table that holds your orders. Tillflow creates the payment, recurring payment and refund tables and the
        four payment actionflows.
      </p>
      {settings.bindableTables.length === 0 ? (
        <p className="text-sm text-slate-700">Create an order table in Data first.</p>
      ) : (
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            activate.mutate({ projectId, orderTable, confirmPermanent: confirmed });
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
          <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
            <label className="flex items-start gap-2">
              <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
              <span>
                I understand the binding is permanent: the order table cannot be unbound, replaced or deleted
                afterwards.
              </span>
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
