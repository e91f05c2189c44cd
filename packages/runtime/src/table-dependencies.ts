import { registerTableDependencyCheck } from '@tillflow/data-model';
import { flows } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type { FlowDefinition } from './graph';

// On globalThis: Next may load this module in several bundles of one process.
const holder = globalThis as unknown as { __tillflowFlowTableCheck?: boolean };

/**
 * Data nodes name tables in their config; deleting such a table would break
 * the flow at run time, so the data model asks this check first and refuses,
 * naming each flow and node. Registered once per process (studio, workers).
 */
export function registerFlowTableDependencies(): void {
  if (holder.__tillflowFlowTableCheck) return;
  holder.__tillflowFlowTableCheck = true;
  registerTableDependencyCheck(async (tx, table) => {
    const rows = await tx
      .select({ name: flows.name, draft: flows.draft })
      .from(flows)
      .where(eq(flows.projectId, table.projectId));
    const dependents: string[] = [];
    for (const flow of rows) {
      const definition = flow.draft as FlowDefinition | null;
      for (const node of definition?.graph?.nodes ?? []) {
        const config = (node.config ?? {}) as Record<string, unknown>;
        if (config.table === table.name || config.orderTable === table.name)
          dependents.push(`flow "${flow.name}" node "${node.label ?? node.id}"`);
      }
    }
    return dependents;
  });
}
