/**
 * Which object an event of each Stripe type carries in `data.object`, read from Stripe's OpenAPI description: the
 * event types are the `enabled_events` enum of `POST /v1/webhook_endpoints`, and each type's object is the schema
 * named by the type without its last word (`invoice.finalized` → `invoice`, `checkout.session.completed` →
 * `checkout.session`, `issuing_card.created` → `issuing.card`); the few types whose object is named otherwise are
 * listed here. Used by the trim script (which keeps these schemas) and by the generator of flow-model's event data.
 */
const RENAMED: Record<string, string> = {
  'customer.subscription': 'subscription',
  'charge.dispute': 'dispute',
  'charge.refund': 'refund',
  'customer.source': 'source',
  'customer.discount': 'discount',
  'customer.tax_id': 'tax_id',
  'account.application': 'application',
  'account.external_account': 'external_account',
  'sigma.scheduled_query_run': 'scheduled_query_run',
  'source.transaction': 'source_transaction',
};

interface Description {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any> };
}

/** Every event type Stripe documents (without `*`), in the description's order. */
export function stripeEventTypes(spec: Description): string[] {
  const body = spec.paths['/v1/webhook_endpoints']?.post?.requestBody?.content?.['application/x-www-form-urlencoded'];
  const values: unknown = body?.schema?.properties?.enabled_events?.items?.enum;
  if (!Array.isArray(values))
    throw new Error('The description has no enabled_events enum on POST /v1/webhook_endpoints.');
  return values.filter((v): v is string => typeof v === 'string' && v !== '*');
}

/** The schema name of the object an event type carries, or null when the description no longer has it (e.g. `sku`). */
export function eventObjectSchema(type: string, schemas: Record<string, unknown>): string | null {
  const words = type.split('.');
  words.pop();
  const prefix = words.join('.');
  for (const name of [RENAMED[prefix], prefix, prefix.replace(/^issuing_/, 'issuing.'), words.at(-1)])
    if (name && Object.hasOwn(schemas, name)) return name;
  return null;
}
