'use client';

import {
  type AppIoField,
  type AppIoType,
  type FlowDefinition,
  type FlowTrigger,
  knownStripeEventTypes,
} from '@tillflow/flow-model';

const IO_TYPE_WORDS: Record<AppIoType, string> = { string: 'Text', number: 'Number', boolean: 'Yes / no' };

/** The inputs or outputs of a flow called from a page: a name and a type each. */
function IoFields({
  legend,
  singular,
  fields,
  disabled,
  onChange,
}: {
  legend: string;
  singular: string;
  fields: AppIoField[];
  disabled: boolean;
  onChange: (fields: AppIoField[]) => void;
}) {
  return (
    <fieldset className="space-y-2" disabled={disabled}>
      <legend className="label">{legend}</legend>
      {fields.map((field, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: names are edited in place
        <div key={i} className="flex gap-1">
          <input
            className="input"
            aria-label={`${singular} ${i + 1} name`}
            value={field.name}
            onChange={(e) => onChange(fields.map((f, j) => (j === i ? { ...f, name: e.target.value } : f)))}
          />
          <select
            className="input w-28"
            aria-label={`${singular} ${i + 1} type`}
            value={field.type}
            onChange={(e) =>
              onChange(fields.map((f, j) => (j === i ? { ...f, type: e.target.value as AppIoType } : f)))
            }
          >
            {(Object.keys(IO_TYPE_WORDS) as AppIoType[]).map((type) => (
              <option key={type} value={type}>
                {IO_TYPE_WORDS[type]}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn-secondary px-2"
            aria-label={`Remove ${singular} ${i + 1}`}
            onClick={() => onChange(fields.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn-secondary"
        onClick={() => onChange([...fields, { name: `${singular}${fields.length + 1}`, type: 'string' }])}
      >
        Add {singular}
      </button>
    </fieldset>
  );
}

/** The trigger: which Stripe events start the flow (fixed for system flows), a manual run, or a page's button. */
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
  const choose = (kind: FlowTrigger['kind']) =>
    onChange(
      kind === 'manual'
        ? { kind: 'manual' }
        : kind === 'app_call'
          ? { kind: 'app_call', inputs: [], outputs: [], roles: [] }
          : { kind: 'stripe_webhook', events: [] },
    );
  return (
    <section aria-label="Trigger settings" className="space-y-3">
      <h2 className="font-semibold">⚡ Trigger</h2>
      {locked && (
        <p className="rounded bg-amber-50 p-2 text-sm text-amber-800">🔒 The events of a system flow are fixed.</p>
      )}
      <fieldset className="space-y-1 text-sm" disabled={locked}>
        <legend className="label">What starts this flow</legend>
        {(
          [
            ['stripe_webhook', 'Stripe events'],
            ['app_call', 'A button on one of your pages'],
            ['manual', 'Manual only (test runs), no webhook'],
          ] as const
        ).map(([kind, words]) => (
          <label key={kind} className="flex items-center gap-2">
            <input type="radio" name="trigger-kind" checked={trigger.kind === kind} onChange={() => choose(kind)} />
            {words}
          </label>
        ))}
      </fieldset>
      {trigger.kind === 'app_call' && (
        <div className="space-y-3">
          <p className="text-sm text-slate-600">
            A page's button runs it as the signed-in shopper: data steps follow their role's permissions. Read an input
            as <code>{'{{ trigger.inputs.name }}'}</code>; give outputs back with a “Return to the app” step.
          </p>
          <IoFields
            legend="Inputs the page sends"
            singular="input"
            fields={trigger.inputs}
            disabled={locked}
            onChange={(inputs) => onChange({ ...trigger, inputs })}
          />
          <IoFields
            legend="Outputs it gives back"
            singular="output"
            fields={trigger.outputs}
            disabled={locked}
            onChange={(outputs) => onChange({ ...trigger, outputs })}
          />
          <label className="block text-sm">
            <span className="label">Roles that may run it (comma-separated; empty: anyone signed in)</span>
            <input
              className="input"
              disabled={locked}
              defaultValue={trigger.roles.join(', ')}
              onBlur={(e) =>
                onChange({
                  ...trigger,
                  roles: e.target.value
                    .split(',')
                    .map((r) => r.trim())
                    .filter(Boolean),
                })
              }
            />
          </label>
        </div>
      )}
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
