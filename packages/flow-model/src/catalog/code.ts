import { z } from 'zod';
import { t } from '../value-type';
import { defineNodeType } from './types';

/** The most a code node may use: it runs in a worker thread that is stopped at these limits. */
export const CODE_NODE_MAX_TIMEOUT_MS = 5000;
export const CODE_NODE_MAX_MEMORY_MB = 64;

export const codeNode = defineNodeType({
  type: 'code',
  label: 'Code',
  category: 'code',
  icon: '🧩',
  description: 'Runs JavaScript in a sandbox (no network, files or environment); its return value is the output.',
  configSchema: z.object({
    code: z.string().min(1, 'Write the code to run'),
    timeoutMs: z
      .number()
      .int()
      .min(10)
      .max(CODE_NODE_MAX_TIMEOUT_MS, `Code may run for at most ${CODE_NODE_MAX_TIMEOUT_MS} ms (5 s).`)
      .default(1000),
    memoryMb: z
      .number()
      .int()
      .min(4)
      .max(CODE_NODE_MAX_MEMORY_MB, `Code may use at most ${CODE_NODE_MAX_MEMORY_MB} MB of memory.`)
      .default(32),
  }),
  outputs: ['next'],
  outputShape: () => t.any,
  summary: (c) => `Run code (${c.code.split('\n').length} lines)`,
});
