import type { AppIoField, AppIoType, FlowTrigger } from './types';
import { t, type ValueType } from './value-type';

// A flow the generated app calls (trigger kind `app_call`): its declared inputs and outputs, declared once here
// and read by the validator (binding types), the runtime (what a run receives) and the page model (a button's
// inputs and `results.<step>`).

export type AppCallTrigger = Extract<FlowTrigger, { kind: 'app_call' }>;

export const isAppCallTrigger = (trigger: FlowTrigger | null | undefined): trigger is AppCallTrigger =>
  trigger?.kind === 'app_call';

export const appIoValueType = (type: AppIoType): ValueType =>
  type === 'number' ? t.number : type === 'boolean' ? t.boolean : t.string;

const fieldsType = (fields: AppIoField[]) =>
  t.object(Object.fromEntries(fields.map((f) => [f.name, appIoValueType(f.type)])));

/** What `trigger` holds in an app-called flow: the inputs, and who called (the signed-in end user). */
export function appCallTriggerType(trigger: AppCallTrigger): ValueType {
  return t.object({
    inputs: fieldsType(trigger.inputs),
    caller: t.object({ userId: t.number, email: t.string, role: t.string }),
  });
}

/** The declared outputs by name and type (what "Return to the app" gives back). */
export function appCallOutputTypes(trigger: AppCallTrigger): Record<string, ValueType> {
  return Object.fromEntries(trigger.outputs.map((f) => [f.name, appIoValueType(f.type)]));
}

/** The trigger payload of an app call: its inputs and its caller. */
export interface AppCallPayload {
  inputs: Record<string, string | number | boolean>;
  caller: { userId: number; email: string; role: string };
}

const typeWords: Record<AppIoType, string> = { string: 'text', number: 'a number', boolean: 'yes or no' };

function coerce(type: AppIoType, raw: unknown): { ok: true; value: string | number | boolean } | { ok: false } {
  if (type === 'string') {
    if (typeof raw === 'string') return { ok: true, value: raw };
    if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
    return { ok: false };
  }
  if (type === 'number') {
    if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: raw };
    // Address params and form fields arrive as text: "12" is the number 12.
    if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw)))
      return { ok: true, value: Number(raw) };
    return { ok: false };
  }
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
  return { ok: false };
}

const shown = (raw: unknown) =>
  typeof raw === 'string' ? `"${raw.slice(0, 40)}"` : (JSON.stringify(raw) ?? 'nothing');

/**
 * Checks what a caller sends against the declared inputs: every input given, each of its type (text that reads as
 * a number or true/false is accepted for those), nothing undeclared. The message says which input and why.
 */
export function parseAppCallInputs(
  trigger: AppCallTrigger,
  raw: Record<string, unknown>,
): { ok: true; inputs: Record<string, string | number | boolean> } | { ok: false; message: string } {
  const inputs: Record<string, string | number | boolean> = {};
  for (const name of Object.keys(raw))
    if (!trigger.inputs.some((f) => f.name === name))
      return { ok: false, message: `This actionflow has no input "${name}".` };
  for (const field of trigger.inputs) {
    const value = raw[field.name];
    if (value === undefined || value === null || value === '')
      return { ok: false, message: `The input "${field.name}" is missing: it needs ${typeWords[field.type]}.` };
    const result = coerce(field.type, value);
    if (!result.ok)
      return {
        ok: false,
        message: `The input "${field.name}" must be ${typeWords[field.type]}, not ${shown(value)}.`,
      };
    inputs[field.name] = result.value;
  }
  return { ok: true, inputs };
}

/** The declared outputs out of what a run's "Return to the app" node gave (missing ones are null). */
export function appCallOutputs(
  trigger: AppCallTrigger,
  returned: Record<string, unknown> | null | undefined,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const field of trigger.outputs) {
    const result = coerce(field.type, returned?.[field.name]);
    out[field.name] = result.ok ? result.value : null;
  }
  return out;
}
