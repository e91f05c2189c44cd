import { z } from 'zod';
import { t } from '../value-type';
import { defineNodeType } from './types';

export const codeNode = defineNodeType({
  type: 'code',
  label: 'Code',
  category: 'code',
  icon: '🧩',
  description: 'Runs JavaScript in a sandbox (no network, files or environment); its return value is the output.',
  configSchema: z.object({
    code: z.string().min(1, 'Write the code to run'),
    timeoutMs: z.number().int().min(10).max(30_000).default(1000),
    memoryMb: z.number().int().min(4).max(256).default(32),
  }),
  outputs: ['next'],
  outputShape: () => t.any,
  summary: (c) => `Run code (${c.code.split('\n').length} lines)`,
});
