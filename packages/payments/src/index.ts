export { adjustRecurringAmountAction } from './actions/adjust';
export { type Charge, maySetCharge, refuseChargeFields } from './actions/charge';
export { createPaymentAction, type PaymentActionOptions } from './actions/payment';
export { offeredPlans } from './actions/plans';
export { cancelRecurringAction, initiateRecurringAction } from './actions/recurring';
export { refundAction, refundInput } from './actions/refund';
export {
  changePlanAction,
  changePlanInput,
  type PlanChange,
  portalSessionAction,
  portalSessionInput,
} from './actions/self-service';
export { type Refundable, refundableAmount, refundFromStudio, type StudioRefund } from './actions/studio-refund';
export { activatePayments, orderBindingView, orderTableName, saveOrderBinding } from './activation';
export { handleDisputeEvent } from './callbacks/dispute';
export { handlePaymentEvent } from './callbacks/payment';
export { handleSubscriptionEvent } from './callbacks/recurring';
export { handleRefundEvent } from './callbacks/refund';
export { handleRenewalEvent } from './callbacks/renewal';
export * from './catalog';
export { type CheckReport, checkAgainstStripe, type Difference, lastCheckReport } from './check';
export * from './currencies';
export { ensureFlowEndpoint, removeFlowEndpoint } from './custom-endpoints';
export {
  DASHBOARD_TABLES,
  type DashboardQuery,
  dashboardRows,
  type PaymentMode,
  paymentTotals,
  revenueByDay,
} from './dashboard';
export {
  type AccountEndpoint,
  type AccountEndpointReport,
  accountEndpointReport,
  eventInWords,
} from './endpoint-report';
export {
  endpointHealth,
  ensureSystemEndpoints,
  SYSTEM_FLOW_EVENTS,
  SYSTEM_FLOW_KINDS,
  type SystemFlowKind,
} from './endpoints';
export { PaymentError, type PaymentErrorCode } from './errors';
export * from './event-mapping';
export { deleteProjectFlow, publishProjectFlow, rollbackProjectFlow } from './flow-publishing';
export { runPaymentsMaintenance, schedulePaymentsMaintenance, upgradePaymentsProjects } from './maintenance';
export { PAYMENT_NODE_EXECUTORS } from './node-executors';
export {
  type AlertCheckReport,
  type AlertKind,
  type AlertSettings,
  alertSettingsOf,
  checkOperationsAlerts,
  listOperationsAlerts,
  type OperationsAlert,
  saveAlertSettings,
  scheduleOperationsAlerts,
} from './operations-alerts';
export {
  bindingOf,
  DEFAULT_SHOP_CURRENCY,
  loadOrderBinding,
  type OrderBinding,
  paymentManagedColumns,
} from './order-binding';
export {
  type ActivationChange,
  applyOrderTableDefaults,
  ORDER_OWNER_COLUMN,
  ORDER_STATUS_DEFAULT,
  ORDER_STATUSES,
} from './order-defaults';
export { type ReconcileResult, reconcileFromStripe } from './reconcile';
export {
  allowedReturnOrigins,
  checkReturnUrl,
  returnOriginsInput,
  saveReturnOrigins,
} from './return-urls';
export { ensureSandboxAccount, someProjectUsesSandbox } from './sandbox-account';
export { createServices, projectStripeClients, type ServiceParts, type Services } from './services';
export {
  brandingInput,
  loadPaymentSettings,
  type ProjectStripe,
  type PublicPaymentSettings,
  saveBranding,
  saveStripeKeys,
  stripeKeysInput,
  toPublicSettings,
} from './settings';
export {
  createStripeAccounts,
  type PaymentServices,
  type SandboxLauncher,
  type StripeAccounts,
} from './stripe-accounts';
export { createStripeClient, modeOfSecretKey, STRIPE_API_VERSION } from './stripe-client';
export * from './system-tables';
