import { z } from 'zod';
import { t } from '../value-type';
import { defineNodeType } from './types';

/**
 * Ends a flow called from the app (trigger kind `app_call`) and gives the declared outputs back to the caller (a
 * page button's `results.<step>`). Each output is a value or a binding, typed by the trigger's declaration.
 */
export const appReturnNode = defineNodeType({
  type: 'app_return',
  label: 'Return to the app',
  category: 'control',
  icon: '↩️',
  description: 'Ends a flow called from a page and sends its outputs back to the page that called it.',
  configSchema: z.object({
    values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  }),
  outputs: [],
  outputShape: (_config, ctx) => (ctx.appOutputs ? t.object(ctx.appOutputs) : t.object({}, true)),
  fieldTypes: (_config, ctx) =>
    Object.fromEntries(Object.entries(ctx.appOutputs ?? {}).map(([name, type]) => [`values.${name}`, type])),
  summary: (c) => {
    const names = Object.keys(c.values);
    return names.length ? `Return ${names.join(', ')} to the app` : 'Return to the app';
  },
});
