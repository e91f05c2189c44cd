import path from 'node:path';
import { type Logger, publicOrigin, type Settings, sandboxControlToken } from '@tillflow/core';
import { dataDir } from '@tillflow/db';
import type { SandboxLauncher } from '@tillflow/payments';
import { startSandbox } from '@tillflow/stripe-sandbox';

/**
 * How the studio starts its embedded Stripe sandbox, handed to createServices: none with
 * TILLFLOW_SANDBOX=off or when TILLFLOW_SANDBOX_URL points at a sandbox running elsewhere. It listens on
 * loopback unless SANDBOX_HOST says otherwise; its control surface takes the install's token; it delivers
 * webhooks only to the studio's own origin.
 */
export function embeddedSandboxLauncher(settings: Settings, logger: Logger): SandboxLauncher | undefined {
  if (settings.TILLFLOW_SANDBOX === 'off' || settings.TILLFLOW_SANDBOX_URL) return undefined;
  return async () => {
    const sandbox = await startSandbox({
      port: settings.SANDBOX_PORT ?? settings.PORT + 9111,
      host: settings.SANDBOX_HOST,
      persistPath: path.join(dataDir(), 'sandbox.json'),
      retryBaseMs: settings.SANDBOX_RETRY_BASE_MS,
      controlToken: sandboxControlToken(),
      // Webhooks go only to this studio (its hook URLs are on PUBLIC_URL): never another port or address.
      webhookOrigins: [publicOrigin()],
    });
    process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
    logger.info({ url: sandbox.url }, 'Stripe sandbox started');
    return sandbox.url;
  };
}
