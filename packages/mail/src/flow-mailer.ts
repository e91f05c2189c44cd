import { type ExecutorOf, emailMessageId, registerNodeExecutor } from '@tillflow/runtime';
import { queueMail } from './outbox';

/**
 * Flows' "send email" nodes write to the outbox in their step's transaction
 * (effect 'database'): the message and the step record commit together, so a
 * retried run never records a second one. Without SMTP the row is the captured
 * mailbox message; with SMTP the dispatcher (startMailDispatcher) delivers it.
 * Its config is the catalog's send_email config, parsed by the engine.
 */
export const outboxEmailNode: ExecutorOf<'send_email'> = {
  effect: 'database',
  async execute(ctx) {
    const c = ctx.config;
    const queued = await queueMail(ctx.tx, ctx.projectId, {
      to: c.to,
      subject: c.subject,
      text: c.text,
      html: c.html,
      from: c.from,
      messageId: emailMessageId(ctx.idempotencyKey),
    });
    return {
      messageId: queued.messageId,
      accepted: Array.isArray(c.to) ? c.to : [c.to],
      delivered: false,
    };
  },
};

export function useProjectMailForFlows(): void {
  registerNodeExecutor('send_email', outboxEmailNode);
}
