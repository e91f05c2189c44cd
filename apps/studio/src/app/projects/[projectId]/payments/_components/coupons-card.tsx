'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { MoneyInput } from '~/components/ui/money';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { CurrencySelect, FormProblem, ListStatus, SubmitRow } from './card-parts';

/**
 * Payments → Discounts: coupons (a percentage or an amount off, once / for some months / forever) and the
 * codes shoppers type at checkout, on the project's Stripe account (sandbox or real Stripe alike).
 */
export function CouponsCard({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const coupons = useQuery(trpc.payments.coupons.queryOptions({ projectId }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.payments.coupons.queryKey({ projectId }) });
  const remove = useMutation(trpc.payments.deleteCoupon.mutationOptions({ onSuccess: refresh }));
  // Discounts are the shop's setup: owners and editors change them, others read the list.
  const can = useCan();
  return (
    <section className="card space-y-3" aria-labelledby="coupons-heading">
      <h2 id="coupons-heading" className="font-semibold">
        Discounts
      </h2>
      <ListStatus list={coupons} empty="No discounts yet." />
      {coupons.data && coupons.data.length > 0 && (
        <ul className="divide-y" aria-label="Discounts">
          {coupons.data.map((c) => {
            const title = c.name ?? c.offDisplay;
            return (
              <li key={c.id} className="flex flex-wrap items-center gap-2 py-2 text-sm" aria-label={title}>
                <strong>{title}</strong>
                <span>
                  {c.offDisplay} {c.durationDisplay}
                </span>
                <span className="text-slate-600">
                  used {c.timesRedeemed} time{c.timesRedeemed === 1 ? '' : 's'}
                </span>
                {c.codes.map((code) => (
                  <span key={code.id} className="rounded bg-slate-100 px-1.5 font-mono">
                    {code.code}
                    {code.active ? '' : ' (used up)'}
                  </span>
                ))}
                {can('payments.addPromotionCode') && (
                  <AddCode projectId={projectId} couponId={c.id} title={title} onAdded={refresh} />
                )}
                {can('payments.deleteCoupon') && (
                  <button
                    type="button"
                    className="btn-secondary ml-auto min-h-6 px-2 py-0.5 text-xs"
                    aria-label={`Delete discount ${title}`}
                    onClick={() => remove.mutate({ projectId, couponId: c.id })}
                  >
                    Delete
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {remove.error && (
        <p role="alert" className="field-error">
          {errorMessage(remove.error)}
        </p>
      )}
      {can('payments.createCoupon') && <NewCouponForm projectId={projectId} onCreated={refresh} />}
    </section>
  );
}

function AddCode({
  projectId,
  couponId,
  title,
  onAdded,
}: {
  projectId: number;
  couponId: string;
  title: string;
  onAdded: () => void;
}) {
  const trpc = useTRPC();
  const [code, setCode] = useState('');
  const [open, setOpen] = useState(false);
  const add = useMutation(
    trpc.payments.addPromotionCode.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setCode('');
        onAdded();
      },
    }),
  );
  if (!open)
    return (
      <button
        type="button"
        className="btn-secondary min-h-6 px-2 py-0.5 text-xs"
        aria-label={`Add a code to ${title}`}
        onClick={() => setOpen(true)}
      >
        Add a code
      </button>
    );
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ projectId, couponId, code });
      }}
    >
      <label className="label" htmlFor={`code-${couponId}`}>
        Code for {title}
      </label>
      <input id={`code-${couponId}`} className="input w-40" value={code} onChange={(e) => setCode(e.target.value)} />
      <button className="btn" type="submit" disabled={add.isPending}>
        Save code
      </button>
      {add.error && (
        <p role="alert" className="field-error">
          {errorMessage(add.error)}
        </p>
      )}
    </form>
  );
}

function NewCouponForm({ projectId, onCreated }: { projectId: number; onCreated: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'percent' | 'amount'>('percent');
  const [percentOff, setPercentOff] = useState('');
  const [amountOff, setAmountOff] = useState('');
  const [currency, setCurrency] = useState('usd');
  const [duration, setDuration] = useState<'once' | 'repeating' | 'forever'>('once');
  const [months, setMonths] = useState('3');
  const [code, setCode] = useState('');
  const create = useMutation(
    trpc.payments.createCoupon.mutationOptions({
      onSuccess: () => {
        setName('');
        setPercentOff('');
        setAmountOff('');
        setCode('');
        onCreated();
      },
    }),
  );
  const errors = fieldErrors(create.error);
  return (
    <form
      className="grid gap-3 border-t pt-3 sm:grid-cols-2"
      aria-label="New discount"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({
          projectId,
          name: name || null,
          percentOff: kind === 'percent' ? percentOff : null,
          amountOff: kind === 'amount' ? amountOff : null,
          currency: kind === 'amount' ? currency : null,
          duration,
          durationInMonths: duration === 'repeating' ? Number(months) : null,
          code: code || null,
        });
      }}
    >
      <h3 className="font-medium sm:col-span-2">New discount</h3>
      <div>
        <label className="label" htmlFor="coupon-name">
          Discount name (optional)
        </label>
        <input id="coupon-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div>
        <label className="label" htmlFor="coupon-kind">
          Discount type
        </label>
        <select
          id="coupon-kind"
          className="input"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'percent' | 'amount')}
        >
          <option value="percent">Percentage off</option>
          <option value="amount">Amount off</option>
        </select>
      </div>
      {kind === 'percent' ? (
        <div>
          <label className="label" htmlFor="coupon-percent">
            Percent off
          </label>
          <input
            id="coupon-percent"
            className="input"
            inputMode="decimal"
            value={percentOff}
            onChange={(e) => setPercentOff(e.target.value)}
          />
          {errors.percentOff && <p className="field-error">{errors.percentOff}</p>}
        </div>
      ) : (
        <>
          <CurrencySelect id="coupon-currency" value={currency} onChange={setCurrency} />
          <div>
            <MoneyInput
              id="coupon-amount"
              label="Amount off"
              currency={currency}
              value={amountOff}
              required
              onChange={(text) => setAmountOff(text)}
            />
            {errors.amountOff && <p className="field-error">{errors.amountOff}</p>}
          </div>
        </>
      )}
      <div>
        <label className="label" htmlFor="coupon-duration">
          Applies
        </label>
        <select
          id="coupon-duration"
          className="input"
          value={duration}
          onChange={(e) => setDuration(e.target.value as 'once' | 'repeating' | 'forever')}
        >
          <option value="once">Once</option>
          <option value="repeating">For some months</option>
          <option value="forever">Forever</option>
        </select>
      </div>
      {duration === 'repeating' && (
        <div>
          <label className="label" htmlFor="coupon-months">
            Months
          </label>
          <input
            id="coupon-months"
            className="input"
            inputMode="numeric"
            value={months}
            onChange={(e) => setMonths(e.target.value)}
          />
          {errors.durationInMonths && <p className="field-error">{errors.durationInMonths}</p>}
        </div>
      )}
      <div>
        <label className="label" htmlFor="coupon-code">
          Code shoppers type (optional)
        </label>
        <input id="coupon-code" className="input" value={code} onChange={(e) => setCode(e.target.value)} />
        {errors.code && <p className="field-error">{errors.code}</p>}
      </div>
      <SubmitRow pending={create.isPending} label="Add discount" pendingLabel="Adding…" />
      {create.isSuccess && (
        <p role="status" className="text-sm text-green-700 sm:col-span-2">
          Discount added: {create.data.offDisplay} {create.data.durationDisplay}
          {create.data.codes[0] ? ` with code ${create.data.codes[0].code}` : ''}.
        </p>
      )}
      <FormProblem error={create.error} fieldErrors={errors} />
    </form>
  );
}
