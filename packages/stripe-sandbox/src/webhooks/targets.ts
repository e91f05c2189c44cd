/**
 * Where a sandbox may deliver webhooks. With `origins` (the studio passes its own PUBLIC_URL origin), only
 * endpoint URLs on one of them: anything else — another port on this machine, a private or link-local
 * (cloud metadata) address — is refused when registered and again at every delivery attempt, so an account's
 * secret key cannot turn the sandbox into a way around the studio's egress guard. Without origins (a
 * standalone sandbox for development), any http(s) URL.
 */
export function webhookTargetPolicy(origins: string[] | undefined): (url: string) => string | null {
  if (!origins) return () => null;
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  const list = [...allowed].join(', ');
  return (url) => {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      return 'Invalid URL: must be an absolute http(s) URL.';
    }
    return allowed.has(origin)
      ? null
      : `This sandbox delivers webhooks only to ${list || 'no address'}; ${origin} is not allowed.`;
  };
}
