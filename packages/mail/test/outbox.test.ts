import { createEgressGuard, createLogger } from '@tillflow/core';
import { type DbHandle, mailMessages } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailbox, queueMail, saveMailSettings, startMailDispatcher } from '../src';
import { createProject } from './projects';
import { startSmtpServer } from './smtp-server';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

// The test SMTP server listens on loopback, which the default egress guard refuses.
const egress = createEgressGuard({ allow: ['127.0.0.1/32'] });
const message = (id: string) => ({ to: 'buyer@example.test', subject: `Receipt ${id}`, text: 'Thanks', messageId: id });

describe('mail outbox', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('records a message only if the transaction that queued it commits', async () => {
    const project = await createProject(handle);
    await expect(
      handle.db.transaction(async (tx) => {
        await queueMail(tx, project.id, message('<rolled-back@t>'));
        throw new Error('the step failed');
      }),
    ).rejects.toThrow('the step failed');
    await handle.db.transaction((tx) => queueMail(tx, project.id, message('<kept@t>')));
    const box = await listMailbox(handle.db, project.id);
    expect(box.map((m) => [m.messageId, m.status])).toEqual([['<kept@t>', 'captured']]);
  });

  it('delivers queued SMTP mail once, and resends only a message whose dispatcher died mid-send, with its Message-ID', async () => {
    const smtp = await startSmtpServer();
    const project = await createProject(handle);
    await saveMailSettings(
      handle.db,
      project.id,
      {
        host: '127.0.0.1',
        port: smtp.port,
        fromAddress: 'Shop <shop@example.test>',
      },
      { egress },
    );
    const dispatcher = startMailDispatcher(handle, {
      logger: testLogger,
      pollMs: 50,
      leaseMs: 500,
      egress,
      projectIds: [project.id],
    });
    try {
      const queued = await handle.db.transaction((tx) => queueMail(tx, project.id, message('<one@t>')));
      expect(queued.status).toBe('queued');
      await expect
        .poll(async () => (await listMailbox(handle.db, project.id))[0]?.status, { timeout: 10_000 })
        .toBe('sent');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0].data).toContain('Message-ID: <one@t>');

      // A dispatcher that claimed a message and died after the server accepted it: the row stays
      // 'sending' under a lease; when the lease runs out the message goes again, same Message-ID.
      await handle.db.transaction((tx) => queueMail(tx, project.id, message('<two@t>')));
      await expect.poll(() => smtp.received.length, { timeout: 10_000 }).toBe(2);
      await handle.db
        .update(mailMessages)
        .set({ status: 'sending', leaseUntil: sql`now() - interval '1 second'` })
        .where(eq(mailMessages.messageId, '<two@t>'));
      await expect.poll(() => smtp.received.length, { timeout: 10_000 }).toBe(3);
      expect(smtp.received[2].data).toContain('Message-ID: <two@t>');
      await expect
        .poll(async () => (await listMailbox(handle.db, project.id)).map((m) => m.status), { timeout: 10_000 })
        .toEqual(['sent', 'sent']);
      expect(smtp.received.filter((m) => m.data.includes('<one@t>'))).toHaveLength(1);
    } finally {
      await dispatcher.stop();
      await smtp.close();
    }
  });

  it('retries a failed SMTP delivery with backoff and gives up after its attempts', async () => {
    const project = await createProject(handle);
    await saveMailSettings(
      handle.db,
      project.id,
      { host: '127.0.0.1', port: 1, fromAddress: 'a@example.test' },
      { egress },
    );
    const dispatcher = startMailDispatcher(handle, {
      logger: testLogger,
      pollMs: 50,
      backoffBaseMs: 100,
      maxAttempts: 3,
      egress,
      projectIds: [project.id],
    });
    try {
      await handle.db.transaction((tx) => queueMail(tx, project.id, message('<never@t>')));
      await expect
        .poll(async () => (await listMailbox(handle.db, project.id))[0]?.status, { timeout: 15_000 })
        .toBe('failed');
      const [row] = await listMailbox(handle.db, project.id);
      expect(row.attempts).toBe(3);
      expect(row.error).toMatch(/127.0.0.1:1 failed/);
    } finally {
      await dispatcher.stop();
    }
  });

  it('fails a message at once when the egress guard refuses its SMTP host', async () => {
    const project = await createProject(handle);
    await saveMailSettings(
      handle.db,
      project.id,
      { host: '127.0.0.1', port: 25, fromAddress: 'a@example.test' },
      { egress },
    );
    const dispatcher = startMailDispatcher(handle, { logger: testLogger, pollMs: 50, projectIds: [project.id] });
    try {
      await handle.db.transaction((tx) => queueMail(tx, project.id, message('<refused@t>')));
      await expect
        .poll(async () => (await listMailbox(handle.db, project.id))[0]?.status, { timeout: 10_000 })
        .toBe('failed');
      expect((await listMailbox(handle.db, project.id))[0].attempts).toBe(1);
    } finally {
      await dispatcher.stop();
    }
  });

  it('a dispatcher given projects delivers only their mail and leaves another project’s queued', async () => {
    const smtp = await startSmtpServer();
    try {
      const [mine, theirs] = [await createProject(handle), await createProject(handle)];
      for (const project of [mine, theirs]) {
        await saveMailSettings(
          handle.db,
          project.id,
          { host: '127.0.0.1', port: smtp.port, fromAddress: 'shop@example.test' },
          { egress },
        );
      }
      await handle.db.transaction((tx) => queueMail(tx, theirs.id, message('<theirs@t>')));
      await handle.db.transaction((tx) => queueMail(tx, mine.id, message('<mine@t>')));
      const dispatcher = startMailDispatcher(handle, { logger: testLogger, pollMs: 50, egress, projectIds: [mine.id] });
      try {
        await expect.poll(async () => (await listMailbox(handle.db, mine.id))[0]?.status).toBe('sent');
        // A few more polls: the other project's message is still waiting for its own dispatcher.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await listMailbox(handle.db, theirs.id))[0]).toMatchObject({ status: 'queued', attempts: 0 });
        expect(smtp.received.map((mail) => mail.data.match(/Message-ID: (<[^>]+>)/)?.[1])).toEqual(['<mine@t>']);
      } finally {
        await dispatcher.stop();
      }
    } finally {
      await smtp.close();
    }
  });
});
