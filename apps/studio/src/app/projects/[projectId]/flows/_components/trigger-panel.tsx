'use client';

import { type FlowDefinition, type FlowTrigger, knownStripeEventTypes } from '@tillflow/flow-model';

/** The trigger: which Stripe events start the flow (fixed for system flows). */
export function TriggerPanel({
  definition,
  locked,
  onChange,
}: {
  definition: FlowDefinition;
  locked: boolean;
  onChange: (trigger: FlowTrigger) => void;
}) {
  const trigger = definition.trigger;
  const events = trigger.kind === 'stripe_webhook' ? trigger.events : [];
  return (
    <section aria-label="Trigger settings" className="space-y-3">
      <h2 className="font-semibold">⚡ Trigger</h2>
      {locked && (
        <p className="rounded bg-amber-50 p-2 text-sm text-amber-800">🔒 The events of a system flow are fixed.</p>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={trigger.kind === 'manual'}
          disabled={locked}
          onChange={(e) => onChange(e.target.checked ? { kind: 'manual' } : { kind: 'stripe_webhook', events: [] })}
        />
        Manual only (test runs), no webhook
      </label>
      {trigger.kind === 'stripe_webhook' && (
        <fieldset className="max-h-96 space-y-1 overflow-y-auto" disabled={locked}>
          <legend className="label">Stripe events that start this flow</legend>
          {knownStripeEventTypes.map((type) => (
            <label key={type} className="flex items-center gap-2 font-mono text-xs">
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) =>
                  onChange({
                    kind: 'stripe_webhook',
                    events: e.target.checked ? [...events, type] : events.filter((x) => x !== type),
                  })
                }
              />
              {type}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
