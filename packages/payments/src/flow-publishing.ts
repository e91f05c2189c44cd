import { TillflowError } from '@tillflow/core';
import {
  deleteFlow,
  type FlowDefinition,
  FlowValidationError,
  flowIssues,
  getFlowVersion,
  getProjectFlow,
  publishFlow,
  saveFlowDraft,
} from '@tillflow/runtime';
import { ensureFlowEndpoint, removeFlowEndpoint } from './custom-endpoints';
import type { PaymentServices } from './stripe-accounts';

// Publishing, restoring and deleting a flow of one project. A custom flow listening to Stripe has an
// endpoint of its own with only its events: it is registered (or updated) before the flow goes live,
// whichever way it goes live, and removed with the flow.

/** The endpoint follows the definition about to go live (custom flows with a Stripe trigger only). */
async function endpointFollows(
  services: PaymentServices,
  projectId: number,
  flow: { id: string; kind: string },
  definition: FlowDefinition,
) {
  if (flow.kind === 'custom' && definition.trigger.kind === 'stripe_webhook')
    await ensureFlowEndpoint(services, projectId, { id: flow.id, events: definition.trigger.events });
}

/** Publishes the saved draft if the validator finds nothing; else refuses with the list of problems. */
export async function publishProjectFlow(
  services: PaymentServices,
  projectId: number,
  flowId: string,
  userId: string | null,
) {
  const flow = await getProjectFlow(services.database.db, projectId, flowId);
  // Checked before the endpoint is registered, so a flow that cannot go live registers nothing at Stripe.
  const { issues } = await flowIssues(services.database.db, flow);
  if (issues.length) throw new FlowValidationError(issues);
  await endpointFollows(services, projectId, flow, flow.draft as FlowDefinition);
  const version = await publishFlow(services.database.db, flow.id, userId);
  return { versionId: version.id, version: version.version };
}

/** Makes an older version the draft and publishes it again as the newest version. */
export async function rollbackProjectFlow(
  services: PaymentServices,
  projectId: number,
  input: { flowId: string; versionId: string; expectedRevision: number },
  userId: string | null,
) {
  const flow = await getProjectFlow(services.database.db, projectId, input.flowId);
  const target = await getFlowVersion(services.database.db, flow.id, input.versionId);
  const revision = await saveFlowDraft(services.database.db, flow.id, target.definition, input.expectedRevision);
  await endpointFollows(services, projectId, flow, target.definition);
  const version = await publishFlow(services.database.db, flow.id, userId);
  return { revision, version: version.version, restored: target.version };
}

/** Deletes a custom flow and its endpoint; system flows of the payment module stay. */
export async function deleteProjectFlow(services: PaymentServices, projectId: number, flowId: string) {
  const flow = await getProjectFlow(services.database.db, projectId, flowId);
  if (flow.kind === 'system')
    throw new TillflowError('FORBIDDEN', `${flow.name} is a system flow of the payment module and cannot be deleted.`);
  await removeFlowEndpoint(services, projectId, flow.id);
  await deleteFlow(services.database.db, projectId, flow.id);
  return { deleted: true };
}
