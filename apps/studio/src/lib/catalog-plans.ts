/**
 * The subscriptions a shop offers, from its catalog (App → catalog): its recurring Stripe prices, as
 * `{ id: the price id a start-subscription action takes, label: its product's name }`.
 */
export function catalogPlans(
  items: { key: string; name: string; recurring: unknown }[],
): { id: string; label: string }[] {
  return items
    .filter((i) => i.recurring && i.key.startsWith('price:'))
    .map((i) => ({ id: i.key.slice('price:'.length), label: i.name }));
}
