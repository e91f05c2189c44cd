import { evaluateTemplate } from '@tillflow/flow-model/expressions/index';

// Bindings are the flow model's expressions; `vars` collects what set-variables nodes set.
export interface BindingScope {
  trigger: unknown;
  nodes: Record<string, unknown>;
  vars: Record<string, unknown>;
}

export function evaluateBindings(value: unknown, scope: BindingScope): unknown {
  return evaluateTemplate(value, scope);
}
