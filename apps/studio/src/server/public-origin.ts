// Where the studio is reached from outside. Nothing is derived from a request's
// Origin or Host header: with PUBLIC_URL set, that is the one public origin;
// without it the studio is a local tool on http://localhost:$PORT (its loopback
// spellings are accepted as origins too). Production on a non-loopback host
// without PUBLIC_URL refuses to start.

import { type Env, SettingsError, setting } from '@tillflow/core';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/** PUBLIC_URL's origin (checked: http or https, no path), or null when unset. */
export function configuredPublicOrigin(env: Env = process.env): string | null {
  // The settings module checks it (absolute, http or https) and names PUBLIC_URL when it is wrong.
  const raw = setting('PUBLIC_URL', env);
  return raw ? new URL(raw).origin : null;
}

const port = (env: Env) => setting('PORT', env);

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
  if (setting('NODE_ENV', env) !== 'production' || setting('PUBLIC_URL', env)) return;
  const host = setting('HOST', env) ?? 'localhost';
  if (isLoopbackHost(host)) return;
  throw new SettingsError([
    {
      name: 'PUBLIC_URL',
      problem:
        `is not set, and the studio listens on ${host} in production. Set PUBLIC_URL to the address ` +
        'people and Stripe reach the studio at (e.g. https://studio.example.com), or listen on localhost only (HOST=localhost)',
    },
  ]);
}
