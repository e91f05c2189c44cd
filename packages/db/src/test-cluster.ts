import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// A throwaway PostgreSQL cluster for tests that restart the database or kill
// its backends (never the shared one on 5432). initdb refuses to run as root,
// so as root the cluster belongs to the `postgres` system user and every
// pg_ctl call goes through runuser.

const run = promisify(execFile);

export interface TestCluster {
  port: number;
  dir: string;
  url(database?: string): string;
  /** Runs SQL as the superuser on a fresh connection (psql), outside any pool under test. */
  psql(sql: string, database?: string): Promise<string>;
  /** Ends every client backend (as a failover or a pooler restart would). */
  terminateBackends(database?: string): Promise<number>;
  /** pg_ctl restart: 'fast' (clean shutdown) or 'immediate' (crash; recovery on start). */
  restart(mode?: 'fast' | 'immediate', downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or null where none is installed. */
export function findPostgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0], 'bin') : null;
}

/** Why a cluster cannot be started here, or null when it can. */
export function testClusterUnavailable(): string | null {
  if (!findPostgresBin())
    return 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `settings`: more server settings (`-c name=value`), e.g. `{ autovacuum: 'off' }`. */
export async function startTestCluster(settings: Record<string, string> = {}): Promise<TestCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(testClusterUnavailable() as string);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'tillflow-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: dir }) : run(file, args, { cwd: dir });
  await exec(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const pgCtl = (...args: string[]) => exec(path.join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const start = () => pgCtl('start', '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', options);
  await start();
  const psqlBin = existsSync(path.join(bin, 'psql')) ? path.join(bin, 'psql') : 'psql';
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const psql = async (sql: string, database = 'postgres') =>
    (
      await run(psqlBin, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url(database), '-c', sql])
    ).stdout.trim();
  let stopped = false;
  return {
    port,
    dir,
    url,
    psql,
    async terminateBackends(database) {
      const scope = database ? ` and datname = '${database.replace(/'/g, "''")}'` : '';
      const out = await psql(
        `select count(pg_terminate_backend(pid)) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()${scope}`,
      );
      return Number(out);
    },
    async restart(mode = 'fast', downMs = 0) {
      await pgCtl('stop', '-w', '-m', mode);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl('stop', '-w', '-m', 'immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
