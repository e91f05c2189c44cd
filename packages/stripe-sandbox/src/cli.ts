import { createLogger, loadSettings, sandboxControlToken, setting } from '@tillflow/core';
import { startSandbox } from './index';

// `npm run sandbox -- --port 12111 [--host 0.0.0.0] [--persist .data/sandbox.json]`
// Failed webhooks are retried on Stripe's schedule (SANDBOX_RETRY_BASE_MS compresses it); with
// --persist, deliveries still pending survive a restart.
// The control surface (/_sandbox) answers only calls with this install's token
// (TILLFLOW_SANDBOX_TOKEN, or .data/sandbox.token), the one the studio sends.
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const logger = createLogger(loadSettings(), { base: { process: 'sandbox' } });
const port = Number(arg('port') ?? setting('SANDBOX_PORT') ?? 12111);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  logger.fatal({ port: arg('port') }, 'invalid --port');
  process.exit(2);
}
const sandbox = await startSandbox({
  port,
  host: arg('host') ?? setting('SANDBOX_HOST'),
  persistPath: arg('persist'),
  retryBaseMs: setting('SANDBOX_RETRY_BASE_MS'),
  controlToken: sandboxControlToken(),
});
logger.info(
  { url: sandbox.url },
  'Stripe sandbox listening; control surface /_sandbox needs the x-tillflow-sandbox-token header (TILLFLOW_SANDBOX_TOKEN or sandbox.token); default keys: the sandbox test keys',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
