import { z } from 'zod';
import { defineNodeType } from './types';

/** The single entry node; its output is the trigger payload (the Stripe event, or the manual run's input). */
export const triggerNode = defineNodeType({
  type: 'trigger',
  label: 'Trigger',
  category: 'trigger',
  icon: '⚡',
  description: 'Starts the automation when Stripe sends a message about a payment, or when you start a test run.',
  configSchema: z.object({}).passthrough(),
  outputs: ['next'],
  outputShape: (_config, ctx) => ctx.trigger,
  summary: () => 'When Stripe sends a message, or on a test run',
});
