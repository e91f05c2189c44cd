// A flow's name as a shop owner reads it ("Payment updates", not `StripePayment`): one helper for every screen.
// The stored name stays the flow's name in storage, APIs and the expression editor.
export { flowTitle, flowTitlesInText, stepLabelWords } from '@tillflow/flow-model';
