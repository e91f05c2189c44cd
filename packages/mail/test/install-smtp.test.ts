import { createLogger } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installSmtp, listMailbox, queueMail, sendMail, startMailDispatcher } from '../src';
import { createProject } from './projects';
import { startSmtpServer } from './smtp-server';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

// TILLFLOW_SMTP_URL: the install's own SMTP server delivers the mail of projects that set none of their
// own; unset, that mail is captured in the project's Mailbox. The operator chose that server, so a
// loopback relay is used as given (no egress guard is passed in here: the default one would refuse it
// for a builder's host).

describe('the install’s SMTP server (TILLFLOW_SMTP_URL)', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());
  afterEach(() => {
    delete process.env.TILLFLOW_SMTP_URL;
  });

  it('is read from the address: user, password, host, port, and TLS from smtps://', () => {
    process.env.TILLFLOW_SMTP_URL = 'smtp://mailer:p%40ss@relay.internal:2525';
    expect(installSmtp()).toMatchObject({
      host: 'relay.internal',
      port: 2525,
      secure: false,
      username: 'mailer',
      password: 'p@ss',
      install: true,
    });
    process.env.TILLFLOW_SMTP_URL = 'smtps://relay.internal';
    expect(installSmtp()).toMatchObject({ port: 465, secure: true, username: null });
    delete process.env.TILLFLOW_SMTP_URL;
    expect(installSmtp()).toBeNull();
  });

  it('delivers a project’s mail when the project has no SMTP of its own, with the install’s sender and login', async () => {
    const smtp = await startSmtpServer();
    try {
      process.env.TILLFLOW_SMTP_URL = `smtp://tillflow:secret@127.0.0.1:${smtp.port}`;
      const project = await createProject(handle);
      const sent = await sendMail(handle, project.id, { to: 'buyer@example.test', subject: 'Receipt', text: 'Paid' });
      expect(sent.status).toBe('sent');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0].to.map((to) => to.replace(/^<|>$/g, ''))).toEqual(['buyer@example.test']);
      expect(smtp.received[0].auth).toContain('tillflow');
      expect(smtp.received[0].data).toContain('no-reply@tillflow.local');

      // A flow's email (the outbox) is queued for the dispatcher instead of captured, and delivered.
      const queued = await handle.db.transaction((tx) =>
        queueMail(tx, project.id, {
          to: 'buyer@example.test',
          subject: 'Shipped',
          text: 'On its way',
          messageId: '<s@t>',
        }),
      );
      expect(queued.status).toBe('queued');
      const dispatcher = startMailDispatcher(handle, {
        logger: testLogger,
        pollMs: 50,
        projectIds: [project.id],
      });
      try {
        await expect.poll(() => smtp.received.length, { timeout: 10_000 }).toBe(2);
        expect(smtp.received[1].data).toContain('Message-ID: <s@t>');
      } finally {
        await dispatcher.stop();
      }
    } finally {
      await smtp.close();
    }
  });

  it('unset, the same mail is captured in the project’s Mailbox and no server is contacted', async () => {
    const project = await createProject(handle);
    const sent = await sendMail(handle, project.id, { to: 'buyer@example.test', subject: 'Receipt', text: 'Paid' });
    expect(sent.status).toBe('captured');
    const queued = await handle.db.transaction((tx) =>
      queueMail(tx, project.id, { to: 'buyer@example.test', subject: 'Shipped', text: 'On its way' }),
    );
    expect(queued.status).toBe('captured');
    expect((await listMailbox(handle.db, project.id)).map((m) => m.status)).toEqual(['captured', 'captured']);
  });
});
