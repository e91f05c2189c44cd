'use client';

import type { AppIoField, AppIoType, FlowDefinition, FlowTrigger } from '@tillflow/flow-model';
import { Lock, X, Zap } from 'lucide-react';
import { EventTypePicker } from './event-type-picker';

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
            <X aria-hidden="true" className="h-4 w-4" />
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

/**
 * Which of the project's roles may run a flow called from a page: ticked from the roles that exist (none ticked:
 * anyone signed in). A role ticked earlier and deleted since stays listed, marked, so it can be unticked.
 */
function AllowedRoles({
  chosen,
  roles,
  disabled,
  onChange,
}: {
  chosen: string[];
  roles: string[] | undefined;
  disabled: boolean;
  onChange: (roles: string[]) => void;
}) {
  const listed = [...(roles ?? []), ...chosen.filter((r) => !roles?.includes(r))];
  return (
    <fieldset className="space-y-1 text-sm" disabled={disabled}>
      <legend className="label">Roles that may run it</legend>
      <p className="text-xs text-slate-600">
        {chosen.length === 0 ? 'None ticked: anyone signed in may run it.' : 'Only shoppers with a ticked role.'}
      </p>
      {roles === undefined && chosen.length === 0 ? <p className="text-xs text-slate-600">Loading roles…</p> : null}
      {listed.map((role) => (
        <label key={role} className="flex min-h-6 items-center gap-2">
          <input
            type="checkbox"
            checked={chosen.includes(role)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, role] : chosen.filter((r) => r !== role))}
          />
          {role}
          {roles && !roles.includes(role) ? (
            <span className="text-xs text-amber-800">(no longer a role: untick it)</span>
          ) : null}
        </label>
      ))}
    </fieldset>
  );
}

/** The trigger: which Stripe events start the flow (fixed for system flows), a manual run, or a page's button. */
export function TriggerPanel({
  definition,
  locked,
  roles,
  onChange,
}: {
  definition: FlowDefinition;
  locked: boolean;
  /** The project's end-user roles (Data → Permissions); undefined while they load. */
  roles?: string[];
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
      <h2 className="flex items-center gap-1 font-semibold">
        <Zap aria-hidden="true" className="h-4 w-4 text-indigo-700" /> What starts it
      </h2>
      {locked && (
        <p className="flex items-center gap-1 rounded bg-amber-50 p-2 text-sm text-amber-800">
          <Lock aria-hidden="true" className="h-4 w-4 shrink-0" /> What a built-in automation listens for is fixed.
        </p>
      )}
      <fieldset className="space-y-1 text-sm" disabled={locked}>
        <legend className="label">What starts this automation</legend>
        {(
          [
            ['stripe_webhook', 'When Stripe tells us something'],
            ['app_call', 'A button on one of your pages'],
            ['manual', 'Only when you run it (test runs)'],
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
          <AllowedRoles
            chosen={trigger.roles}
            roles={roles}
            disabled={locked}
            onChange={(chosen) => onChange({ ...trigger, roles: chosen })}
          />
        </div>
      )}
      {trigger.kind === 'stripe_webhook' && (
        <EventTypePicker
          chosen={events}
          disabled={locked}
          onChange={(next) => onChange({ kind: 'stripe_webhook', events: next })}
        />
      )}
    </section>
  );
}
