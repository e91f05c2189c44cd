import type { TableDependencyCheck } from '@tillflow/data-model';
import { flows } from '@tillflow/db';
import { nodeUsesTable } from '@tillflow/flow-model';
import { eq } from 'drizzle-orm';
import type { FlowDefinition } from './graph';

/**
 * Data nodes name tables in their config; deleting such a table would break the flow at run time, so
 * deleting a table asks this check first (passed to data-model's deleteTable as `dependents`; the
 * services carry it as `flowTables`) and refuses, naming each flow and node.
 */
export const flowTableDependents: TableDependencyCheck = async (tx, table) => {
  const rows = await tx
    .select({ name: flows.name, draft: flows.draft })
    .from(flows)
    .where(eq(flows.projectId, table.projectId));
  const dependents: string[] = [];
  for (const flow of rows) {
    const definition = flow.draft as FlowDefinition | null;
    for (const node of definition?.graph?.nodes ?? []) {
      const config = (node.config ?? {}) as Record<string, unknown>;
      if (nodeUsesTable(config, table)) dependents.push(`flow "${flow.name}" node "${node.label ?? node.id}"`);
    }
  }
  return dependents;
};
