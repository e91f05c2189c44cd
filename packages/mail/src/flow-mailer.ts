import { setMailSender } from '@tillflow/runtime';
import { sendMail } from './send';

/**
 * Flows' "send email" nodes send through the project's SMTP settings, or land
 * in its captured mailbox when none are set. Called once per process at start.
 */
export function useProjectMailForFlows(): void {
  setMailSender(async (handle, projectId, message, egress) => {
    const sent = await sendMail(handle, projectId, message, { egress });
    return { messageId: sent.messageId, status: sent.status };
  });
}
