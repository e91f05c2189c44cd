// Response headers for every page: a Content-Security-Policy per surface, no
// MIME sniffing, and referrers cut to the origin across sites. Pure (no imports
// from the server), so the proxy bundle stays small.
//
// Scripts: 'self' plus 'unsafe-inline' because Next.js streams its own inline
// bootstrap scripts and the pages are partly static (nonces need every page
// rendered per request). What the policy does enforce: no framing by other
// sites, no plugins, no <base> hijack, forms post only home, and scripts,
// frames and fetches only from us and from Stripe.js (js.stripe.com with real
// keys, the sandbox's stand-in offline).

const STRIPE_JS = 'https://js.stripe.com';
const STRIPE_FRAMES = ['https://js.stripe.com', 'https://hooks.stripe.com'];
const STRIPE_API = 'https://api.stripe.com';

export interface HeaderEnv {
  NODE_ENV?: string;
  TILLFLOW_SANDBOX_URL?: string;
  STRIPE_API_BASE?: string;
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Where the generated app may load Stripe.js from and talk to: Stripe, and the sandbox or STRIPE_API_BASE. */
function stripeOrigins(env: HeaderEnv): string[] {
  const extra = [originOf(env.TILLFLOW_SANDBOX_URL), originOf(env.STRIPE_API_BASE)];
  return [...new Set(extra.filter((o): o is string => o !== null && o !== STRIPE_API))];
}

const policy = (directives: Record<string, string[]>) =>
  Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');

/**
 * The studio (builders): nothing may frame it; it loads nothing from elsewhere. `framedBySelf`: the page preview
 * (/preview/…), which the studio's own page editor shows in an iframe; framed by the studio only.
 */
export function studioPolicy(env: HeaderEnv = process.env, framedBySelf = false): string {
  const dev = env.NODE_ENV === 'development';
  return policy({
    'default-src': ["'self'"],
    'script-src': ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', 'https:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(dev ? ['ws:'] : [])],
    'frame-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': [framedBySelf ? "'self'" : "'none'"],
  });
}

/** A generated app (end users): framed only by itself; Stripe.js, its frames (3-D Secure) and API allowed. */
export function appPolicy(env: HeaderEnv = process.env): string {
  const dev = env.NODE_ENV === 'development';
  const stripe = stripeOrigins(env);
  return policy({
    'default-src': ["'self'"],
    'script-src': ["'self'", "'unsafe-inline'", STRIPE_JS, ...stripe, ...(dev ? ["'unsafe-eval'"] : [])],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', 'https:', ...stripe],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", STRIPE_API, ...stripe, ...(dev ? ['ws:'] : [])],
    'frame-src': ["'self'", ...STRIPE_FRAMES, ...stripe],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
  });
}

/** Headers for a page response at `pathname`. */
export function pageSecurityHeaders(pathname: string, env: HeaderEnv = process.env): Record<string, string> {
  const isApp = pathname === '/app' || pathname.startsWith('/app/');
  const isPreview = pathname.startsWith('/preview/');
  return {
    'Content-Security-Policy': isApp ? appPolicy(env) : studioPolicy(env, isPreview),
    'X-Frame-Options': isApp || isPreview ? 'SAMEORIGIN' : 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };
}

/** Headers for every response (next.config): API answers are data, never a page to frame or sniff. */
export const API_SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
} as const;
