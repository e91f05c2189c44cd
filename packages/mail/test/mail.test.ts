import { createEgressGuard, EgressRefusedError } from '@tillflow/core';
import { type DbHandle, mailSettings } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearMailbox, deleteMailSettings, getMailSettings, listMailbox, saveMailSettings, sendMail } from '../src';
import { createProject } from './projects';
import { startSmtpServer } from './smtp-server';

// The test SMTP server listens on 127.0.0.1, which the default egress guard refuses:
// these tests open exactly that address, as an operator would with TILLFLOW_EGRESS_ALLOW_PRIVATE.
const loopback = { egress: createEgressGuard({ allow: ['127.0.0.1/32'] }) };

describe('mail', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('captures mail in the project mailbox when no SMTP is set', async () => {
    const project = await createProject(handle);
    const other = await createProject(handle);
    const sent = await sendMail(handle, project.id, {
      to: 'Buyer@Example.test',
      subject: 'Your receipt',
      text: 'Paid 12.00 USD',
      html: '<p>Paid <b>12.00 USD</b></p>',
    });
    expect(sent.status).toBe('captured');
    const box = await listMailbox(handle.db, project.id);
    expect(box).toHaveLength(1);
    expect(box[0]).toMatchObject({
      id: sent.id,
      toAddress: 'buyer@example.test',
      subject: 'Your receipt',
      text: 'Paid 12.00 USD',
      status: 'captured',
    });
    expect(await listMailbox(handle.db, other.id)).toEqual([]);
    expect(await listMailbox(handle.db, project.id, { to: 'someone@else.test' })).toEqual([]);
    expect(await clearMailbox(handle.db, project.id)).toBe(1);
    expect(await listMailbox(handle.db, project.id)).toEqual([]);
  });

  it('refuses a message without a valid recipient or body', async () => {
    const project = await createProject(handle);
    await expect(sendMail(handle, project.id, { to: 'not-an-address', subject: 'x', text: 'y' })).rejects.toThrow(
      /valid email/,
    );
    await expect(sendMail(handle, project.id, { to: 'a@b.test', subject: 'x' })).rejects.toThrow(/text or html/);
  });

  it('sends through the project SMTP server, storing the password encrypted', async () => {
    const smtp = await startSmtpServer();
    try {
      const project = await createProject(handle);
      const view = await saveMailSettings(
        handle.db,
        project.id,
        {
          host: '127.0.0.1',
          port: smtp.port,
          username: 'mailer',
          password: 's3cret-pass',
          fromAddress: 'Shop <shop@example.test>',
        },
        loopback,
      );
      expect(view).toMatchObject({ hasPassword: true, username: 'mailer' });
      expect(JSON.stringify(view)).not.toContain('s3cret-pass');
      const [stored] = await handle.db.select().from(mailSettings).where(eq(mailSettings.projectId, project.id));
      expect(stored.passwordEncrypted).not.toContain('s3cret-pass');

      const sent = await sendMail(
        handle,
        project.id,
        { to: 'buyer@example.test', subject: 'Hello', text: 'Body text' },
        loopback,
      );
      expect(sent.status).toBe('sent');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0].to[0]).toContain('buyer@example.test');
      expect(smtp.received[0].auth).toBe('mailer:s3cret-pass');
      expect(smtp.received[0].data).toContain('Subject: Hello');
      expect(smtp.received[0].data).toContain('Body text');
      const [row] = await listMailbox(handle.db, project.id);
      expect(row).toMatchObject({ status: 'sent', fromAddress: 'Shop <shop@example.test>' });

      // Keeping the password when it is omitted; removing settings goes back to capture.
      await saveMailSettings(
        handle.db,
        project.id,
        { host: '127.0.0.1', port: smtp.port, fromAddress: 'a@b.test' },
        loopback,
      );
      expect((await getMailSettings(handle.db, project.id))?.hasPassword).toBe(true);
      await deleteMailSettings(handle.db, project.id);
      expect((await sendMail(handle, project.id, { to: 'x@y.test', subject: 's', text: 't' })).status).toBe('captured');
    } finally {
      await smtp.close();
    }
  });

  it('records a failed send and rethrows so a flow step can retry', async () => {
    const project = await createProject(handle);
    await saveMailSettings(handle.db, project.id, { host: '127.0.0.1', port: 1, fromAddress: 'a@b.test' }, loopback);
    await expect(sendMail(handle, project.id, { to: 'x@y.test', subject: 's', text: 't' }, loopback)).rejects.toThrow(
      /Sending mail through 127.0.0.1:1 failed/,
    );
    const [row] = await listMailbox(handle.db, project.id);
    expect(row.status).toBe('failed');
    expect(row.error).toBeTruthy();
  });

  it('refuses an SMTP host on this machine or a private network unless the operator opened it', async () => {
    const smtp = await startSmtpServer();
    try {
      const project = await createProject(handle);
      for (const [host, reason] of [
        ['127.0.0.1', /points back at this server \(loopback\) and is blocked: 127\.0\.0\.1/],
        ['localhost', /loopback\) and is blocked: localhost \(127\.0\.0\.1\)/],
        ['2130706433', /loopback/],
        ['::1', /loopback/],
        ['10.0.0.5', /on a private network and is blocked: 10\.0\.0\.5/],
        ['169.254.169.254', /link-local/],
      ] as const)
        await expect(
          saveMailSettings(handle.db, project.id, { host, port: smtp.port, fromAddress: 'a@b.test' }),
          host,
        ).rejects.toThrow(reason);
      const intranet = { egress: createEgressGuard({ allowPrivate: true }) };
      await expect(
        saveMailSettings(handle.db, project.id, { host: '10.0.0.5', port: 25, fromAddress: 'a@b.test' }, intranet),
      ).resolves.toMatchObject({ host: '10.0.0.5' });

      // Settings stored before the guard existed are checked again when sending.
      await handle.db
        .update(mailSettings)
        .set({ host: 'localhost', port: smtp.port })
        .where(eq(mailSettings.projectId, project.id));
      const refused = await sendMail(handle, project.id, { to: 'x@y.test', subject: 's', text: 't' }).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(EgressRefusedError);
      expect((refused as Error).message).toMatch(
        new RegExp(`^Sending mail through localhost:${smtp.port} failed: This address points back at this server`),
      );
      const [row] = await listMailbox(handle.db, project.id);
      expect(row).toMatchObject({ status: 'failed' });
      expect(row.error).toMatch(/is blocked/);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('connects to the SMTP address it checked, not to a second DNS answer', async () => {
    const smtp = await startSmtpServer();
    try {
      const project = await createProject(handle);
      // smtp.public.test is unknown to the system resolver; the guard's answer (this test's server) is used.
      const pinned = {
        egress: createEgressGuard({
          allow: ['127.0.0.1/32'],
          resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        }),
      };
      await saveMailSettings(
        handle.db,
        project.id,
        { host: 'smtp.public.test', port: smtp.port, fromAddress: 'a@b.test' },
        pinned,
      );
      const sent = await sendMail(handle, project.id, { to: 'x@y.test', subject: 'Pinned', text: 't' }, pinned);
      expect(sent.status).toBe('sent');
      expect(smtp.received).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });
});
