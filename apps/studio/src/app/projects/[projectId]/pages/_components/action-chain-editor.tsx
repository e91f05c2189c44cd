'use client';

import type { ValueType } from '@tillflow/flow-model';
import {
  ACTION_LABELS,
  type ActionChain,
  type ChainBranch,
  chainScope,
  newAction,
  type PageAction,
  type PageActionType,
} from '@tillflow/page-model';
import { ActionStepFields } from './action-step-fields';
import { FieldErrors, type PanelContext } from './page-binding';

const BRANCHES: { branch: ChainBranch; title: string; step: string; max: number }[] = [
  { branch: 'steps', title: 'Do, in order', step: 'Step', max: 10 },
  { branch: 'onSuccess', title: 'Then, when every step worked', step: 'After success', max: 5 },
  { branch: 'onFailure', title: 'If a step fails', step: 'On failure', max: 5 },
];
const ACTION_TYPES = Object.keys(ACTION_LABELS) as PageActionType[];

/**
 * A button's or form's actions as forms: steps run in order on the server, then the success or the failure branch.
 * Each action's own fields come from the page model's action catalog; values take bindings through the canvas's
 * picker, which lists what each step may read (earlier steps' results, `error.message` after a failure).
 */
export function ActionChainEditor({
  label,
  value,
  onChange,
  panel,
  field,
  extra = {},
  offset = 0,
}: {
  label: string;
  value: ActionChain;
  onChange: (chain: ActionChain) => void;
  panel: PanelContext;
  /** The prop's name (`onClick`), where the validator files its messages. */
  field: string;
  /** Names the chain reads besides the block's (a form's `form` and `saved`). */
  extra?: Record<string, ValueType>;
  /** Steps the validator counts before these (a form's own save step). */
  offset?: number;
}) {
  const chain: ActionChain = {
    steps: value.steps ?? [],
    onSuccess: value.onSuccess ?? [],
    onFailure: value.onFailure ?? [],
  };
  const taken = [...chain.steps, ...chain.onSuccess, ...chain.onFailure].flatMap((a) =>
    'id' in a && a.id ? [a.id] : [],
  );
  const setBranch = (branch: ChainBranch, actions: PageAction[]) => onChange({ ...chain, [branch]: actions });
  return (
    <fieldset className="flex flex-col gap-3" aria-label={label}>
      {BRANCHES.map(({ branch, title, step, max }) => {
        const actions = chain[branch];
        const at = (i: number) => `${field}.${branch}.${branch === 'steps' ? i + offset : i}`;
        const move = (i: number, delta: -1 | 1) => {
          const copy = [...actions];
          [copy[i], copy[i + delta]] = [copy[i + delta], copy[i]];
          setBranch(branch, copy);
        };
        return (
          <div key={branch} className="flex flex-col gap-2">
            <h3 className="text-sm font-medium">{title}</h3>
            {actions.length === 0 ? <p className="text-xs text-slate-600">Nothing.</p> : null}
            {actions.map((action, i) => {
              const name = `${step} ${i + 1}: ${ACTION_LABELS[action.type]}`;
              const names = chainScope({ ...panel.names, ...extra }, chain, branch, i, panel.context);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: actions have no identity of their own
                <fieldset key={i} className="flex flex-col gap-2 rounded border border-slate-200 p-2">
                  <legend className="text-sm font-medium">{name}</legend>
                  <ActionStepFields
                    action={action}
                    names={names}
                    panel={panel}
                    at={at(i)}
                    onChange={(next) =>
                      setBranch(
                        branch,
                        actions.map((a, j) => (j === i ? next : a)),
                      )
                    }
                  />
                  <FieldErrors messages={panel.errorsAt(at(i))} />
                  <div className="flex flex-wrap gap-1">
                    <button
                      type="button"
                      className="btn-secondary text-xs"
                      aria-label={`Move ${step.toLowerCase()} ${i + 1} up`}
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      Up
                    </button>
                    <button
                      type="button"
                      className="btn-secondary text-xs"
                      aria-label={`Move ${step.toLowerCase()} ${i + 1} down`}
                      disabled={i === actions.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      Down
                    </button>
                    <button
                      type="button"
                      className="btn-secondary text-xs"
                      aria-label={`Remove ${step.toLowerCase()} ${i + 1}`}
                      onClick={() =>
                        setBranch(
                          branch,
                          actions.filter((_, j) => j !== i),
                        )
                      }
                    >
                      Remove
                    </button>
                  </div>
                </fieldset>
              );
            })}
            {actions.length < max ? (
              <select
                className="input"
                aria-label={`Add an action to “${title}”`}
                value=""
                onChange={(e) => {
                  const type = e.target.value as PageActionType;
                  if (type) setBranch(branch, [...actions, newAction(type, taken)]);
                }}
              >
                <option value="">Add an action…</option>
                {ACTION_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {ACTION_LABELS[type]}
                  </option>
                ))}
              </select>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}
