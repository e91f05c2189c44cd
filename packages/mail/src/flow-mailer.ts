import type { FlowMailer } from '@tillflow/runtime';
import { queueMail } from './outbox';

/**
 * Flows' mailer service (RunServices.mailer): the send-email node writes its message to the outbox in its
 * step's transaction, so the message and the step record commit together and a retried run never records a
 * second one. Without SMTP the row is the captured mailbox message; with SMTP the dispatcher
 * (startMailDispatcher) delivers it.
 */
export const outboxMailer: FlowMailer = (tx, projectId, message) => queueMail(tx, projectId, message);
