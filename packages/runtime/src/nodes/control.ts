import { NonRetriableError } from '@tillflow/core';
import { z } from 'zod';
import { runUserCode } from '../code-sandbox';
import type { NodeExecutor } from '../registry';
import { parseNodeConfig } from './data';

// Nodes without effects: control flow, variables, user code.

const truthy = (value: unknown): boolean =>
  typeof value === 'string'
    ? !['', 'false', '0', 'null', 'undefined'].includes(value.trim().toLowerCase())
    : Boolean(value);

export const triggerNode: NodeExecutor = { effect: 'pure', execute: (ctx) => ctx.trigger };

export const conditionNode: NodeExecutor = {
  effect: 'pure',
  execute(ctx) {
    const raw = ctx.config.condition ?? ctx.config.expression ?? ctx.config.value;
    const result = truthy(raw);
    ctx.branch(result ? 'true' : 'false');
    return { result };
  },
};

export const switchNode: NodeExecutor = {
  effect: 'pure',
  execute(ctx) {
    const value = ctx.config.value;
    const cases = Array.isArray(ctx.config.cases) ? ctx.config.cases.map(String) : [];
    const matched = cases.find((c) => c === String(value)) ?? 'default';
    ctx.branch(matched);
    return { value, branch: matched };
  },
};

export const setVariablesNode: NodeExecutor = {
  effect: 'pure',
  execute(ctx) {
    const variables = ctx.config.variables ?? ctx.config.values ?? {};
    if (Array.isArray(variables))
      return Object.fromEntries(
        variables.map((v: { name?: string; key?: string; value?: unknown }) => [v.name ?? v.key ?? '', v.value]),
      );
    return variables;
  },
};

// Saving refuses limits above the caps (the catalog's schema); a flow saved before the caps
// existed still runs, with its limits lowered to them by runUserCode.
const codeConfig = z.object({
  code: z.string(),
  timeoutMs: z.coerce.number().int().positive().optional(),
  memoryMb: z.coerce.number().int().positive().optional(),
});

export const codeNode: NodeExecutor = {
  effect: 'pure',
  async execute(ctx) {
    const c = parseNodeConfig(codeConfig, ctx.config, 'code');
    return runUserCode(
      c.code,
      { trigger: ctx.trigger, nodes: ctx.nodes },
      { timeoutMs: c.timeoutMs, memoryBytes: c.memoryMb ? c.memoryMb * 1024 * 1024 : undefined },
    );
  },
};

/** Ends the run: as succeeded, or (outcome 'fail') as failed without retries, with its message. */
export const stopNode: NodeExecutor = {
  effect: 'pure',
  execute(ctx) {
    const message = typeof ctx.config.message === 'string' ? ctx.config.message : '';
    if (ctx.config.outcome === 'fail') throw new NonRetriableError(message || 'The flow stopped with a failure.');
    ctx.stop();
    return { outcome: 'success', message };
  },
};
