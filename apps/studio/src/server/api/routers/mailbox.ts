import { TillflowError } from '@tillflow/core';
import {
  clearMailbox,
  deleteMailSettings,
  getMailMessage,
  getMailSettings,
  listMailbox,
  mailSettingsInput,
  saveMailSettings,
  sendMail,
} from '@tillflow/mail';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';

// Studio → Mailbox: every message the project sent or captured, and its SMTP settings.
export const mailboxRouter = createTRPCRouter({
  list: projectProcedure
    .input(z.object({ beforeId: z.number().int().positive().optional(), to: z.string().max(320).optional() }))
    .query(({ ctx, input }) =>
      listMailbox(ctx.db.db, ctx.project.id, { beforeId: input.beforeId, to: input.to || undefined, limit: 50 }),
    ),

  get: projectProcedure.input(z.object({ messageId: z.number().int().positive() })).query(async ({ ctx, input }) => {
    const message = await getMailMessage(ctx.db.db, ctx.project.id, input.messageId);
    if (!message) throw new TillflowError('NOT_FOUND', 'Message not found.');
    return message;
  }),

  clear: projectProcedure.mutation(async ({ ctx }) => ({ deleted: await clearMailbox(ctx.db.db, ctx.project.id) })),

  getSettings: projectProcedure.query(({ ctx }) => getMailSettings(ctx.db.db, ctx.project.id)),

  saveSettings: projectProcedure
    .input(z.object({ settings: mailSettingsInput }))
    .mutation(({ ctx, input }) => saveMailSettings(ctx.db.db, ctx.project.id, input.settings)),

  deleteSettings: projectProcedure.mutation(async ({ ctx }) => {
    await deleteMailSettings(ctx.db.db, ctx.project.id);
    return { ok: true };
  }),

  sendTest: projectProcedure
    .input(z.object({ to: z.string().email('Enter a valid email address.').max(320) }))
    .mutation(({ ctx, input }) =>
      sendMail(ctx.db, ctx.project.id, {
        to: input.to,
        subject: `Test message from ${ctx.project.name}`,
        text: 'This is a test message sent from the Tillflow studio.',
      }),
    ),
});
