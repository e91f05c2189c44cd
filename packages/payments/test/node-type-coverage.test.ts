import { nodeTypeIds } from '@tillflow/flow-model';
import { BUILTIN_NODE_EXECUTORS } from '@tillflow/runtime';
import { describe, expect, it } from 'vitest';
import { PAYMENT_NODE_EXECUTORS } from '../src';

// The catalog (flow-model) declares every node type; the runtime's built-in
// executors and the payments module's callback handlers execute them.
const builtin = Object.keys(BUILTIN_NODE_EXECUTORS);
const payments = Object.keys(PAYMENT_NODE_EXECUTORS);

describe('node types: catalog and executors cover each other', () => {
  it('every node type in the catalog has exactly one executor', () => {
    for (const id of nodeTypeIds) {
      const owners = [builtin.includes(id), payments.includes(id)].filter(Boolean);
      expect(owners, id).toHaveLength(1);
    }
  });

  it('no executor exists for a node type the catalog does not declare', () => {
    const declared = new Set<string>(nodeTypeIds);
    expect([...builtin, ...payments].filter((type) => !declared.has(type))).toEqual([]);
  });
});
