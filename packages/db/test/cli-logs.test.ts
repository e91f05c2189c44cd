import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The command-line tools log like every process: JSON lines through the install's pino logger, with
// secrets masked (here the password in DATABASE_URL, and a secret setting's value).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function run(script: string, args: string[], env: Record<string, string>, untilLine = false) {
  return new Promise<{ lines: Record<string, unknown>[]; raw: string; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let raw = '';
    const done = (code: number | null) =>
      resolve({
        raw,
        code,
        lines: raw
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      });
    const collect = (chunk: Buffer) => {
      raw += chunk.toString();
      if (untilLine && raw.includes('\n')) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', done);
  });
}

describe('command-line tools log through pino', () => {
  const secretKey = 'ab'.repeat(32);

  it('the migrate CLI writes one JSON line per outcome, never the database password', async () => {
    // Nothing listens on port 1: the migration fails, and says so as a fatal JSON line.
    const { lines, raw, code } = await run('packages/db/src/migrate-cli.ts', [], {
      DATABASE_URL: 'postgres://postgres:hunter2-not-for-logs@127.0.0.1:1/nodb',
      TILLFLOW_SECRET_KEY: secretKey,
    });
    expect(code).toBe(1);
    expect(lines.length, raw).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ level: 'fatal', process: 'migrate', msg: 'migrations failed' });
    expect(raw).not.toContain('hunter2-not-for-logs');
    expect(raw).not.toContain(secretKey);
  }, 60_000);

  it('the sandbox CLI announces itself as a JSON line with its URL', async () => {
    const { lines, raw } = await run(
      'packages/stripe-sandbox/src/cli.ts',
      ['--port', '0', '--host', '127.0.0.1'],
      { TILLFLOW_SECRET_KEY: secretKey, TILLFLOW_SANDBOX_TOKEN: `sandbox-token-${'t'.repeat(20)}` },
      true,
    );
    expect(lines[0]).toMatchObject({
      level: 'info',
      process: 'sandbox',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/),
    });
    expect(raw).not.toContain(secretKey);
    expect(raw).not.toContain('t'.repeat(20));
  }, 60_000);
});
