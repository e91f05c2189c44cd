import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { sendMail } from '@tillflow/mail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpBuilder } from './helpers';

describe('studio mailbox', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('shows captured mail to the project owner only, and never returns the SMTP password', async () => {
    const owner = await signUpBuilder(handle, 'mailowner');
    const stranger = await signUpBuilder(handle, 'stranger');
    const project = await owner.caller.project.create({ name: 'Mail shop', slug: `mail-${uniqueSuffix()}` });
    await sendMail(handle, project.id, { to: 'buyer@example.test', subject: 'Receipt #1', text: 'Thanks!' });
    await owner.caller.mailbox.sendTest({ projectId: project.id, to: 'me@example.test' });

    const list = await owner.caller.mailbox.list({ projectId: project.id });
    expect(list.map((m) => [m.toAddress, m.status])).toEqual([
      ['me@example.test', 'captured'],
      ['buyer@example.test', 'captured'],
    ]);
    const one = await owner.caller.mailbox.get({ projectId: project.id, messageId: list[1].id });
    expect(one).toMatchObject({ subject: 'Receipt #1', text: 'Thanks!' });
    await expect(stranger.caller.mailbox.list({ projectId: project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const saved = await owner.caller.mailbox.saveSettings({
      projectId: project.id,
      settings: {
        host: 'smtp.example.test',
        port: 587,
        username: 'u',
        password: 'hunter2-secret',
        fromAddress: 'a@b.test',
      },
    });
    expect(JSON.stringify(saved)).not.toContain('hunter2-secret');
    await expect(
      owner.caller.mailbox.saveSettings({
        projectId: project.id,
        settings: { host: '127.1', port: 25, fromAddress: 'a@b.test' },
      }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(
        /^This address points back at this server \(loopback\) and is blocked: 127\.0\.0\.1/,
      ),
    });
    expect(JSON.stringify(await owner.caller.mailbox.getSettings({ projectId: project.id }))).not.toContain('hunter2');
    await owner.caller.mailbox.deleteSettings({ projectId: project.id });
    expect(await owner.caller.mailbox.getSettings({ projectId: project.id })).toBeNull();
    expect((await owner.caller.mailbox.clear({ projectId: project.id })).deleted).toBe(2);
  });
});
