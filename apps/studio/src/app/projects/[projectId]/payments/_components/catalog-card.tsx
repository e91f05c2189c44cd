'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { MoneyInput } from '~/components/ui/money';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { CurrencySelect, FormProblem, ListStatus, SubmitRow } from './card-parts';

const BILLING = [
  { value: '', label: 'One time' },
  { value: 'week', label: 'Every week' },
  { value: 'month', label: 'Every month' },
  { value: 'year', label: 'Every year' },
] as const;

/**
 * Payments → Products: what the shop sells, on its Stripe account (the sandbox or real Stripe alike).
 * Prices are typed in the currency's major units ("9.50") and shown with their symbol; Stripe stores them
 * in minor units. Products made or archived in the Stripe Dashboard show up or disappear here.
 */
export function CatalogCard({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.payments.catalog.queryOptions({ projectId }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.payments.catalog.queryKey({ projectId }) });
  const archiveProduct = useMutation(trpc.payments.archiveProduct.mutationOptions({ onSuccess: refresh }));
  const archivePrice = useMutation(trpc.payments.archivePrice.mutationOptions({ onSuccess: refresh }));
  // Products and prices are the shop's setup: owners and editors change them, others read the list.
  const can = useCan();
  return (
    <section className="card space-y-3" aria-labelledby="catalog-heading">
      <h2 id="catalog-heading" className="font-semibold">
        Products
      </h2>
      <ListStatus list={catalog} empty="No products yet." />
      {catalog.data && catalog.data.length > 0 && (
        <ul className="divide-y" aria-label="Products">
          {catalog.data.map((product) => (
            <li key={product.id} className="space-y-1 py-2" aria-label={product.name}>
              <div className="flex flex-wrap items-center gap-2">
                <strong>{product.name}</strong>
                {product.description && <span className="text-sm text-slate-600">{product.description}</span>}
                {can('payments.archiveProduct') && (
                  <button
                    type="button"
                    className="btn-secondary ml-auto min-h-6 px-2 py-0.5 text-xs"
                    aria-label={`Archive ${product.name}`}
                    onClick={() => archiveProduct.mutate({ projectId, productId: product.id })}
                  >
                    Archive
                  </button>
                )}
              </div>
              <ul className="space-y-1 text-sm">
                {product.prices.map((price) => (
                  <li key={price.id} className="flex flex-wrap items-center gap-2">
                    <span>{price.display}</span>
                    {price.trialDays && <span className="text-slate-600">{price.trialDays}-day free trial</span>}
                    {product.prices.length > 1 && can('payments.archivePrice') && (
                      <button
                        type="button"
                        className="btn-secondary min-h-6 px-2 py-0.5 text-xs"
                        aria-label={`Archive price ${price.display} of ${product.name}`}
                        onClick={() => archivePrice.mutate({ projectId, priceId: price.id })}
                      >
                        Archive price
                      </button>
                    )}
                  </li>
                ))}
              </ul>
              {can('payments.addPrice') && (
                <AddPriceForm projectId={projectId} productId={product.id} productName={product.name} />
              )}
            </li>
          ))}
        </ul>
      )}
      {(archiveProduct.error || archivePrice.error) && (
        <p role="alert" className="field-error">
          {errorMessage(archiveProduct.error ?? archivePrice.error)}
        </p>
      )}
      {can('payments.createProduct') && <NewProductForm projectId={projectId} onCreated={refresh} />}
    </section>
  );
}

interface PriceFields {
  amount: string;
  currency: string;
  interval: '' | 'week' | 'month' | 'year';
  trialDays: string;
}

function PriceInputs({
  idPrefix,
  value,
  onChange,
  errors,
}: {
  idPrefix: string;
  value: PriceFields;
  onChange: (v: PriceFields) => void;
  errors: Record<string, string>;
}) {
  return (
    <>
      <CurrencySelect
        id={`${idPrefix}-currency`}
        value={value.currency}
        onChange={(currency) => onChange({ ...value, currency })}
      />
      <div>
        <MoneyInput
          id={`${idPrefix}-amount`}
          label="Price"
          currency={value.currency}
          value={value.amount}
          required
          onChange={(text) => onChange({ ...value, amount: text })}
        />
        {errors.amount && <p className="field-error">{errors.amount}</p>}
      </div>
      <div>
        <label className="label" htmlFor={`${idPrefix}-interval`}>
          Billing
        </label>
        <select
          id={`${idPrefix}-interval`}
          className="input"
          value={value.interval}
          onChange={(e) => onChange({ ...value, interval: e.target.value as PriceFields['interval'] })}
        >
          {BILLING.map((b) => (
            <option key={b.value} value={b.value}>
              {b.label}
            </option>
          ))}
        </select>
      </div>
      {value.interval && (
        <div>
          <label className="label" htmlFor={`${idPrefix}-trial`}>
            Free trial (days, optional)
          </label>
          <input
            id={`${idPrefix}-trial`}
            className="input"
            inputMode="numeric"
            value={value.trialDays}
            onChange={(e) => onChange({ ...value, trialDays: e.target.value })}
          />
          {errors.trialDays && <p className="field-error">{errors.trialDays}</p>}
        </div>
      )}
    </>
  );
}

const EMPTY_PRICE: PriceFields = { amount: '', currency: 'usd', interval: '', trialDays: '' };

function priceInput(p: PriceFields) {
  return {
    amount: p.amount,
    currency: p.currency,
    interval: p.interval || null,
    trialDays: p.interval && p.trialDays.trim() ? Number(p.trialDays) : null,
  };
}

function NewProductForm({ projectId, onCreated }: { projectId: number; onCreated: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [image, setImage] = useState('');
  const [price, setPrice] = useState<PriceFields>(EMPTY_PRICE);
  const create = useMutation(
    trpc.payments.createProduct.mutationOptions({
      onSuccess: () => {
        setName('');
        setDescription('');
        setImage('');
        setPrice(EMPTY_PRICE);
        onCreated();
      },
    }),
  );
  const errors = fieldErrors(create.error);
  return (
    <form
      className="grid gap-3 border-t pt-3 sm:grid-cols-2"
      aria-label="New product"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({
          projectId,
          name,
          description: description || null,
          image: image || null,
          price: priceInput(price),
        });
      }}
    >
      <h3 className="font-medium sm:col-span-2">New product</h3>
      <div>
        <label className="label" htmlFor="product-name">
          Product name
        </label>
        <input id="product-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
        {errors.name && <p className="field-error">{errors.name}</p>}
      </div>
      <div>
        <label className="label" htmlFor="product-description">
          Description (optional)
        </label>
        <input
          id="product-description"
          className="input"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <div className="sm:col-span-2">
        <label className="label" htmlFor="product-image">
          Picture address (optional, https://…)
        </label>
        <input id="product-image" className="input" value={image} onChange={(e) => setImage(e.target.value)} />
        {errors.image && <p className="field-error">{errors.image}</p>}
      </div>
      <PriceInputs idPrefix="new-price" value={price} onChange={setPrice} errors={errors} />
      <SubmitRow pending={create.isPending} label="Add product" pendingLabel="Adding…" />
      {create.isSuccess && (
        <p role="status" className="text-sm text-green-700 sm:col-span-2">
          {create.data.name} added at {create.data.prices[0]?.display}.
        </p>
      )}
      <FormProblem error={create.error} fieldErrors={errors} />
    </form>
  );
}

function AddPriceForm({
  projectId,
  productId,
  productName,
}: {
  projectId: number;
  productId: string;
  productName: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [price, setPrice] = useState<PriceFields>(EMPTY_PRICE);
  const add = useMutation(
    trpc.payments.addPrice.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setPrice(EMPTY_PRICE);
        void queryClient.invalidateQueries({ queryKey: trpc.payments.catalog.queryKey({ projectId }) });
      },
    }),
  );
  const errors = fieldErrors(add.error);
  if (!open)
    return (
      <button
        type="button"
        className="btn-secondary min-h-6 px-2 py-0.5 text-xs"
        aria-label={`Add a price to ${productName}`}
        onClick={() => setOpen(true)}
      >
        Add a price
      </button>
    );
  return (
    <form
      className="grid gap-3 sm:grid-cols-2"
      aria-label={`New price for ${productName}`}
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ projectId, productId, price: priceInput(price) });
      }}
    >
      <PriceInputs idPrefix={`price-${productId}`} value={price} onChange={setPrice} errors={errors} />
      <div className="flex items-end gap-2">
        <button className="btn" type="submit" disabled={add.isPending}>
          Save price
        </button>
        <button type="button" className="btn-secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <FormProblem error={add.error} fieldErrors={errors} />
    </form>
  );
}
