import { NonRetriableError } from '@tillflow/core';
import type { ExecutorOf } from '../registry';

// Nodes without effects: control flow, variables, user code.

const truthy = (value: unknown): boolean =>
  typeof value === 'string'
    ? !['', 'false', '0', 'null', 'undefined'].includes(value.trim().toLowerCase())
    : Boolean(value);

export const triggerNode: ExecutorOf<'trigger'> = { effect: 'pure', execute: (ctx) => ctx.trigger };

export const conditionNode: ExecutorOf<'condition'> = {
  effect: 'pure',
  execute(ctx) {
    const result = truthy(ctx.config.expression);
    ctx.branch(result ? 'true' : 'false');
    return { result };
  },
};

export const switchNode: ExecutorOf<'switch'> = {
  effect: 'pure',
  execute(ctx) {
    const value = ctx.config.value;
    const matched = ctx.config.cases.find((c) => c === String(value)) ?? 'default';
    ctx.branch(matched);
    return { value, branch: matched };
  },
};

export const setVariablesNode: ExecutorOf<'set_variables'> = { effect: 'pure', execute: (ctx) => ctx.config.variables };

// Saving refuses limits above the caps (the catalog's schema); a flow saved before the caps
// existed still runs, with its limits lowered to them as it is read (upgradeStoredConfig).
export const codeNode: ExecutorOf<'code'> = {
  effect: 'pure',
  async execute(ctx) {
    const c = ctx.config;
    return ctx.services.code.run(
      c.code,
      { trigger: ctx.trigger, nodes: ctx.nodes },
      { timeoutMs: c.timeoutMs, memoryBytes: c.memoryMb * 1024 * 1024 },
    );
  },
};

/** Ends the run: as succeeded, or (outcome 'fail') as failed without retries, with its message. */
export const stopNode: ExecutorOf<'stop'> = {
  effect: 'pure',
  execute(ctx) {
    const message = ctx.config.message ?? '';
    if (ctx.config.outcome === 'fail') throw new NonRetriableError(message || 'The flow stopped with a failure.');
    ctx.stop();
    return { outcome: 'success', message };
  },
};

/** Ends an app-called flow: its values are the outputs the page (or other caller) gets back. */
export const appReturnNode: ExecutorOf<'app_return'> = {
  effect: 'pure',
  execute(ctx) {
    ctx.stop();
    return ctx.config.values;
  },
};
