// Where the studio is reached from outside. Nothing is derived from a request's
// Origin or Host header: with PUBLIC_URL set, that is the one public origin;
// without it the studio is a local tool on http://localhost:$PORT (its loopback
// spellings are accepted as origins too). Production on a non-loopback host
// without PUBLIC_URL refuses to start.

type Env = Record<string, string | undefined>;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/** PUBLIC_URL's origin (checked: http or https, no path), or null when unset. */
export function configuredPublicOrigin(env: Env = process.env): string | null {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute http(s) URL such as https://studio.example.com, not "${raw}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`PUBLIC_URL must start with http:// or https://, not "${url.protocol}".`);
  return url.origin;
}

const port = (env: Env) => env.PORT ?? '3000';

/** The studio's public origin: PUBLIC_URL, else http://localhost:$PORT. */
export function publicOrigin(env: Env = process.env): string {
  return configuredPublicOrigin(env) ?? `http://localhost:${port(env)}`;
}

/** Origins allowed to post forms and credentials to the studio. */
export function trustedOrigins(env: Env = process.env): string[] {
  const configured = configuredPublicOrigin(env);
  if (configured) return [configured];
  return ['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${port(env)}`);
}

/**
 * Refuses to start in production on a non-loopback host (HOST, what the server
 * listens on) without PUBLIC_URL: links, return URLs, webhooks and the sign-in
 * origin check would otherwise have nothing trustworthy to go by.
 */
export function checkPublicUrlSetting(env: Env = process.env): void {
  configuredPublicOrigin(env);
  if (env.NODE_ENV !== 'production' || env.PUBLIC_URL?.trim()) return;
  const host = env.HOST?.trim() || 'localhost';
  if (isLoopbackHost(host)) return;
  throw new Error(
    `PUBLIC_URL is not set, and the studio listens on ${host} in production. Set PUBLIC_URL to the address ` +
      'people and Stripe reach the studio at (e.g. https://studio.example.com), or listen on localhost only (HOST=localhost).',
  );
}
