import { z } from 'zod';
import { t } from '../value-type';
import { defineNodeType } from './types';

export const conditionNode = defineNodeType({
  type: 'condition',
  label: 'Condition',
  category: 'logic',
  icon: '🔀',
  description: 'Goes on one way when something holds (Yes), another when it does not (No).',
  configSchema: z.object({
    expression: z.string().min(1, 'Enter a condition, e.g. {{ nodes.callback.paymentStatus == "SUCCESSFUL" }}'),
  }),
  outputs: ['true', 'false'],
  outputShape: () => t.object({ result: t.boolean }),
  summary: (c) => `If ${c.expression.replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, '')}`,
});

export const switchNode = defineNodeType({
  type: 'switch',
  label: 'Switch',
  category: 'logic',
  icon: '🔢',
  description: 'Goes on the way named like a value (e.g. what Stripe told us), otherwise on Otherwise.',
  configSchema: z.object({
    value: z.string().min(1, 'Choose the value to switch on'),
    cases: z
      .array(z.string().min(1))
      .min(1, 'Add at least one case')
      .refine((cases) => new Set(cases).size === cases.length, 'Cases must be different')
      .refine((cases) => !cases.includes('default'), "'default' is the built-in fallback branch"),
  }),
  outputs: (c) => [...(Array.isArray(c.cases) ? c.cases : []), 'default'],
  outputShape: () => t.object({ value: t.any, branch: t.string }),
  summary: (c) => `Switch on ${c.value.replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, '')} (${c.cases.length} cases)`,
});

export const setVariablesNode = defineNodeType({
  type: 'set_variables',
  label: 'Set variables',
  category: 'data',
  icon: '📝',
  description: 'Remembers values under names you choose, so later steps can use them.',
  configSchema: z.object({
    variables: z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Variable names are letters, digits and underscores'),
      z.unknown(),
    ),
  }),
  outputs: ['next'],
  // The validator widens this with the bound types; alone it only knows the names.
  outputShape: (c) => t.object(Object.fromEntries(Object.keys(c.variables).map((k) => [k, t.any]))),
  summary: (c) => `Set ${Object.keys(c.variables).join(', ') || 'no variables'}`,
});

export const stopNode = defineNodeType({
  type: 'stop',
  label: 'Stop',
  category: 'control',
  icon: '⏹️',
  description: 'Ends the run as done or failed, with a message for the run history.',
  configSchema: z.object({ outcome: z.enum(['success', 'fail']).default('success'), message: z.string().optional() }),
  outputs: [],
  outputShape: () => t.object({ outcome: t.enum('success', 'fail'), message: t.string }),
  summary: (c) => `${c.outcome === 'fail' ? 'Fail' : 'Stop'}${c.message ? `: ${c.message}` : ''}`,
});
