import { t, type ValueType } from '@tillflow/flow-model';
import type { ActionChain, PageAction } from './actions';
import { getBlockType, parseProps } from './catalog';
import { ioValueType, pageNames, rowValueType } from './scope';
import type { Block, PageContext, PageDefinition } from './types';

/** What a step gives the next ones as `results.<its name>`; undefined for steps that give nothing. */
export function stepOutput(action: PageAction, ctx: PageContext): ValueType | undefined {
  switch (action.type) {
    case 'create_row':
    case 'update_row': {
      const table = ctx.tables.find((x) => x.name === action.table);
      return table ? rowValueType(table) : t.any;
    }
    case 'pay':
    case 'start_subscription':
      return t.object({ orderId: t.number, checkoutUrl: t.string });
    case 'cancel_subscription':
      return t.object({ status: t.string });
    case 'refund':
      return t.object({ refundId: t.number, amount: t.number, status: t.string });
    case 'call_flow': {
      const flow = ctx.flows.find((f) => f.id === action.flowId);
      return flow
        ? t.object(Object.fromEntries(Object.entries(flow.outputs).map(([k, v]) => [k, ioValueType(v)])))
        : t.any;
    }
    default:
      return undefined;
  }
}

/**
 * The names the bindings of one block may read: the page's (`page.params.*`, `user`) and the `item` of each data list
 * or record view around it, as the validator gives them. Null when the block is not on the page.
 */
export function blockScope(page: PageDefinition, blockId: string, ctx: PageContext): Record<string, ValueType> | null {
  const walk = (blocks: Block[], names: Record<string, ValueType>): Record<string, ValueType> | null => {
    for (const block of blocks) {
      if (block.id === blockId) return names;
      const type = getBlockType(block.kind);
      const props = parseProps(block.kind, block.props);
      const inner = type?.provides && props ? { ...names, ...type.provides(props, ctx) } : names;
      const found = walk(block.children ?? [], inner);
      if (found) return found;
    }
    return null;
  };
  return walk(page.blocks, pageNames(page.path));
}

export type ChainBranch = 'steps' | 'onSuccess' | 'onFailure';

/**
 * The names one action of a chain may read: the block's, `results.<name>` of the steps before it (every named step
 * in the success and failure branches), and `error.message` in the failure branch.
 */
export function chainScope(
  base: Record<string, ValueType>,
  chain: ActionChain,
  branch: ChainBranch,
  index: number,
  ctx: PageContext,
): Record<string, ValueType> {
  const results: Record<string, ValueType> = {};
  const upTo = branch === 'steps' ? index : chain.steps.length;
  for (const step of chain.steps.slice(0, upTo)) {
    const out = stepOutput(step, ctx);
    if ('id' in step && step.id && out) results[step.id] = out;
  }
  return {
    ...base,
    results: t.object(results),
    ...(branch === 'onFailure' ? { error: t.object({ message: t.string }) } : {}),
  };
}
