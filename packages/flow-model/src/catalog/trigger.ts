import { z } from 'zod';
import { defineNodeType } from './types';

/** The single entry node; its output is the trigger payload (the Stripe event, or the manual run's input). */
export const triggerNode = defineNodeType({
  type: 'trigger',
  label: 'Trigger',
  category: 'trigger',
  icon: '⚡',
  description: 'Starts the flow when a Stripe webhook event arrives or a test run is started.',
  configSchema: z.object({}).passthrough(),
  outputs: ['next'],
  outputShape: (_config, ctx) => ctx.trigger,
  summary: () => 'When the flow is triggered',
});
