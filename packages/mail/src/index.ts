export { type MailDispatcher, type MailDispatcherOptions, startMailDispatcher } from './dispatcher';
export { outboxMailer } from './flow-mailer';
export {
  clearMailbox,
  getMailMessage,
  listMailbox,
  type MailboxMessage,
} from './mailbox';
export { type QueuedMail, queueMail } from './outbox';
export { type MailInput, mailInput, type SentMail, sendMail } from './send';
export {
  deleteMailSettings,
  getMailSettings,
  installSmtp,
  loadSmtpSettings,
  type MailSettingsView,
  mailSettingsInput,
  saveMailSettings,
  smtpFor,
} from './settings';
