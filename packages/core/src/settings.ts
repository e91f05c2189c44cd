import { z } from 'zod';
import { parseCidr } from './egress-addresses';
import { TillflowError } from './errors';

// Every environment variable Tillflow reads, declared once: its zod type (what a
// value must look like, parsed from the string the environment holds), the
// default shown in the README and what it means. The README's Configuration table
// is generated from this list (`npm run docs:settings`; a test fails when they differ).
// Code reads a variable only through `setting(NAME)` or `loadSettings()`.

const port = z.coerce.number().int().min(1).max(65_535);
const nonNegativeInt = z.coerce.number().int().min(0);
const onOff = z.enum(['on', 'off']);
const url = z.url();

export interface SettingDeclaration<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The default as a person reads it in the README. */
  shownDefault: string;
  description: string;
}

function declare<S extends z.ZodType>(schema: S, shownDefault: string, description: string): SettingDeclaration<S> {
  return { schema, shownDefault, description };
}

export const SETTINGS = {
  DATABASE_URL: declare(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    'unset: embedded PGlite in `./.data/pglite`',
    '`postgres://user@host:5432/db` to use PostgreSQL (postgres.js)',
  ),
  PORT: declare(port.default(3000), '3000', 'studio port'),
  PUBLIC_URL: declare(
    z
      .string()
      .trim()
      .superRefine((value, ctx) => {
        let parsed: URL;
        try {
          parsed = new URL(value);
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'must be an absolute http(s) URL such as https://studio.example.com',
          });
          return;
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
          ctx.addIssue({ code: 'custom', message: 'must start with http:// or https://' });
      })
      .optional(),
    '`http://localhost:$PORT`',
    'where people and Stripe reach the studio: webhook endpoints (`$PUBLIC_URL/api/hooks/stripe/:id`), Checkout return URLs, the only origin sign-in forms are accepted from; `https://` makes end-user cookies Secure. Never taken from a request’s `Origin`/`Host`; in production on a non-loopback `HOST` the studio refuses to start without it',
  ),
  HOST: declare(
    z.string().trim().min(1).optional(),
    '`localhost` without `PUBLIC_URL`, else all interfaces',
    'the address `npm start` listens on',
  ),
  TILLFLOW_TRUST_PROXY: declare(
    z
      .string()
      .trim()
      .toLowerCase()
      .default('off')
      .transform((value, ctx) => {
        if (['', 'off', 'false', '0'].includes(value)) return 0;
        if (value === 'on' || value === 'true') return 1;
        const hops = Number(value);
        if (Number.isInteger(hops) && hops > 0 && hops < 10) return hops;
        ctx.addIssue({ code: 'custom', message: 'must be off, on or a number of proxies (1-9)' });
        return z.NEVER;
      }),
    'off',
    '`on` (or a number of proxies) when a reverse proxy in front sets `X-Forwarded-For`; off, the TCP peer’s address is the client for sign-in limits (behind a proxy without it, every visitor shares one address’s limits)',
  ),
  TILLFLOW_ROOT: declare(
    z.string().min(1).optional(),
    'the folder holding `turbo.json`, found from the working directory',
    'the repository root (`npm start` sets it for the Next.js server)',
  ),
  TILLFLOW_DATA_DIR: declare(
    z.string().min(1).optional(),
    '`./.data`',
    'where PGlite, generated secrets and sandbox state live',
  ),
  BETTER_AUTH_SECRET: declare(
    z.string().min(1).optional(),
    'generated into `.data/auth.secret`',
    'session signing secret',
  ),
  TILLFLOW_SECRET_KEY: declare(
    z
      .string()
      .trim()
      .refine(
        (v) => /^[0-9a-f]{64}$/i.test(v) || Buffer.from(v, 'base64').length === 32,
        'must be 32 bytes, as 64 hex characters or base64',
      )
      .optional(),
    'generated into `.data/secret.key`',
    'AES-256-GCM key for Stripe secrets at rest',
  ),
  TILLFLOW_AUTH_RATE_LIMIT: declare(
    onOff.default('on'),
    'on',
    '`off` disables the sign-in and sign-up limits (the e2e suite signs in many times from one address)',
  ),
  NODE_ENV: declare(
    z.enum(['development', 'production', 'test']).default('development'),
    'set by Next.js / vitest',
    '`production` under `npm start` (a non-loopback `HOST` then needs `PUBLIC_URL`); `development` relaxes the content security policy for hot reload',
  ),
  STRIPE_API_BASE: declare(
    url.default('https://api.stripe.com'),
    '`https://api.stripe.com`',
    'where projects with their own Stripe keys send API calls',
  ),
  TILLFLOW_SANDBOX: declare(
    z.enum(['auto', 'on', 'off']).default('auto'),
    'auto',
    'the embedded Stripe sandbox: `auto` starts it while some project uses it (at boot if one does, else when the first project needs it), `on` always, `off` never',
  ),
  SANDBOX_HOST: declare(
    z.string().min(1).default('127.0.0.1'),
    '`127.0.0.1`',
    'the address the embedded sandbox listens on (loopback unless you change it)',
  ),
  TILLFLOW_SANDBOX_TOKEN: declare(
    z.string().trim().min(1).optional(),
    'generated into `.data/sandbox.token` (mode 0600)',
    'the token the sandbox’s `/_sandbox` control surface requires (header `x-tillflow-sandbox-token`); set it on both sides when the studio uses a sandbox started elsewhere (`TILLFLOW_SANDBOX_URL`)',
  ),
  SANDBOX_PORT: declare(
    port.optional(),
    '`PORT + 9111` (12111 for `npm run sandbox`)',
    'the embedded Stripe sandbox’s port',
  ),
  TILLFLOW_SANDBOX_URL: declare(
    url.optional(),
    'set at boot to the embedded sandbox',
    'a Stripe sandbox already running elsewhere (the studio then starts none)',
  ),
  SANDBOX_RETRY_BASE_MS: declare(
    nonNegativeInt.default(60_000),
    '60000 (Stripe’s schedule)',
    'the sandbox re-sends a webhook that failed on Stripe’s schedule: first after this delay, then doubling, each wait at most 12 h, for up to 3 days (15 attempts); a smaller value compresses the whole schedule by 60000 / value (tests). Pending deliveries are saved with the sandbox’s state and resume after a restart',
  ),
  TILLFLOW_WORKERS: declare(
    nonNegativeInt.default(4),
    '4',
    'in-process flow-run workers (0 leaves runs to `npm run worker` processes on PostgreSQL)',
  ),
  TILLFLOW_CODE_WORKERS: declare(
    z.coerce.number().int().min(1).max(16).default(2),
    '2',
    'worker threads per process that run code nodes (each code node: at most 5 s and 64 MB; more wait in a queue)',
  ),
  TILLFLOW_CODE_NICE: declare(
    z.coerce.number().int().min(0).max(19).default(19),
    '19',
    'scheduling priority of those threads (Linux nice, 0–19): at 19 builder code only gets CPU the studio’s request thread does not want',
  ),
  TILLFLOW_WORKER_CONCURRENCY: declare(
    nonNegativeInt.default(8),
    '8',
    'flow runs at once in one `npm run worker` process',
  ),
  TILLFLOW_SHUTDOWN_MS: declare(
    nonNegativeInt.default(20_000),
    '20000',
    'on SIGTERM, how long runs in progress may finish before they are released to other workers',
  ),
  TILLFLOW_METRICS_TOKEN: declare(
    z.string().min(16).optional(),
    'unset: `/metrics` is open',
    'when set, `/metrics` requires `Authorization: Bearer <token>`',
  ),
  TILLFLOW_MAINTENANCE_MS: declare(
    nonNegativeInt.default(900_000),
    '900000',
    'how often endpoints are repaired and each project is checked against Stripe (missed events run, non-final rows compared and repaired; 0 disables)',
  ),
  TILLFLOW_ALERT_CHECK_MS: declare(
    nonNegativeInt.default(60_000),
    '60000',
    'how often each studio and worker checks for operations incidents (runs that failed for good, runs waiting too long) and emails the project’s owner once per incident (0 disables)',
  ),
  TILLFLOW_ALERT_QUEUE_AGE_S: declare(
    nonNegativeInt.default(300),
    '300',
    'a project whose oldest due flow run has waited longer than this many seconds gets a “runs are waiting” incident (one email to its owner)',
  ),
  TILLFLOW_REALTIME_REVALIDATE_MS: declare(
    z.coerce.number().int().min(1).default(60_000),
    '60000',
    'how often a live stream re-checks its session (a role change is seen at once)',
  ),
  TILLFLOW_RUN_RETENTION_DAYS: declare(
    nonNegativeInt.default(30),
    '30',
    'finished flow runs older than this are deleted by the workers',
  ),
  TILLFLOW_SMTP_URL: declare(
    z
      .string()
      .regex(
        /^smtps?:\/\/[^/\s]+/,
        'an SMTP address such as smtp://user:pass@host:587 (smtps:// for TLS from the start)',
      )
      .optional(),
    'unset: mail lands in the studio’s Mailbox',
    'SMTP server (`smtp://user:pass@host:587`, `smtps://` for TLS from the start) that delivers flow and receipt emails of projects without their own SMTP settings; the operator’s choice, so it may be a loopback or private relay (the egress guard checks only builders’ hosts)',
  ),
  TILLFLOW_MAIL_FROM: declare(
    z.string().min(1).default('Tillflow <no-reply@tillflow.local>'),
    '`Tillflow <no-reply@tillflow.local>`',
    'sender of flow and receipt emails when the project sets none',
  ),
  TILLFLOW_EGRESS_ALLOW_PRIVATE: declare(
    z
      .string()
      .trim()
      .default('off')
      .superRefine((value, ctx) => {
        if (value === 'on' || value === 'off') return;
        try {
          for (const range of value.split(',')) parseCidr(range.trim());
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `must be on, off or address ranges: ${(error as Error).message}` });
        }
      }),
    'off',
    'outbound calls a builder controls (HTTP request node, SMTP host) may not reach loopback, private, link-local or other non-public addresses; `on` opens the private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) for self-hosted intranets; a comma-separated CIDR list (`10.1.0.0/16,fd00::/8`) opens exactly those ranges (any kind, loopback included)',
  ),
  TILLFLOW_LOG_LEVEL: declare(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'info',
    'structured JSON log lines (pino, one per line on stdout) at this level and above: `fatal`, `error`, `warn`, `info`, `debug` (one line per run attempt), `trace`, `silent`. Lines written for a request carry `requestId`, for a flow run `runId`, `projectId`, `flowId`; secrets, keys, card numbers and authorization headers are masked',
  ),
  TILLFLOW_QUIET_WEBHOOKS: declare(
    z.enum(['0', '1']).default('0'),
    '0',
    '`1` stops logging one line per refused webhook (tests and benchmarks)',
  ),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };
export type Env = Record<string, string | undefined>;

/**
 * A variable that does not parse; the message names it and says what it must look like (for the operator:
 * code CONFIGURATION, which the studio shows a browser only as "something went wrong on our side").
 */
export class SettingsError extends TillflowError {
  readonly problems: { name: SettingName; problem: string }[];
  constructor(problems: { name: SettingName; problem: string }[]) {
    super(
      'CONFIGURATION',
      `Invalid configuration: ${problems.map((p) => `${p.name} ${p.problem}`).join('; ')}. See the Configuration table in README.md.`,
    );
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

function parseOne<K extends SettingName>(
  name: K,
  env: Env,
): { ok: true; value: Settings[K] } | { ok: false; problem: string } {
  const raw = env[name];
  // An empty variable counts as unset (shells and compose files often export `X=`).
  const result = SETTINGS[name].schema.safeParse(raw === '' ? undefined : raw);
  if (result.success) return { ok: true, value: result.data as Settings[K] };
  const shown = name.includes('SECRET') || name.includes('URL') ? '' : ` (got "${raw}")`;
  return { ok: false, problem: `${result.error.issues[0]?.message ?? 'is invalid'}${shown}` };
}

/** Every setting, validated; throws one SettingsError naming each bad variable. Call it at start. */
export function loadSettings(env: Env = process.env): Settings {
  const out: Partial<Record<SettingName, unknown>> = {};
  const problems: { name: SettingName; problem: string }[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const parsed = parseOne(name, env);
    if (parsed.ok) out[name] = parsed.value;
    else problems.push({ name, problem: parsed.problem });
  }
  if (problems.length) throw new SettingsError(problems);
  return out as Settings;
}

/**
 * One setting, read now (tests and the studio's boot change some at run time,
 * e.g. TILLFLOW_SANDBOX_URL once the sandbox listens).
 */
export function setting<K extends SettingName>(name: K, env: Env = process.env): Settings[K] {
  const parsed = parseOne(name, env);
  if (!parsed.ok) throw new SettingsError([{ name, problem: parsed.problem }]);
  return parsed.value;
}

/**
 * The address Stripe and browsers reach the studio at (PUBLIC_URL, else http://localhost:$PORT), without a
 * trailing slash: webhook URLs, links in emails. The one definition; publicOrigin is its origin.
 */
export function publicUrl(env: Env = process.env): string {
  return (setting('PUBLIC_URL', env) ?? `http://localhost:${setting('PORT', env)}`).replace(/\/$/, '');
}

/** The studio's public origin (scheme, host, port of publicUrl): sign-in origin, Checkout return URLs. */
export function publicOrigin(env: Env = process.env): string {
  return new URL(publicUrl(env)).origin;
}
