import { boolean, index, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects';

/** Per-project SMTP; without a row, mail is captured in the mailbox instead of sent. */
export const mailSettings = pgTable('mail_settings', {
  projectId: integer('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  secure: boolean('secure').notNull().default(false),
  username: text('username'),
  // AES-256-GCM sealed (runtime's secret box); never returned by an API.
  passwordEncrypted: text('password_encrypted'),
  fromAddress: text('from_address').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every message a project sends: captured (no SMTP), sent, or failed. */
export const mailMessages = pgTable(
  'mail_message',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    fromAddress: text('from_address').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    text: text('text'),
    html: text('html'),
    status: text('status').notNull(),
    error: text('error'),
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // Outbox: a flow's email is recorded 'queued' in its step's transaction; the dispatcher
    // claims it ('sending' under a lease), delivers it and marks it 'sent' (or 'failed' when it gives up).
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('mail_message_project_idx').on(t.projectId, t.id),
    index('mail_message_outbox_idx').on(t.status, t.nextAttemptAt),
  ],
);
