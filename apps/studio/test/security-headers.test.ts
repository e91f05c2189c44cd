import { Writable } from 'node:stream';
import { createLogger, publicOrigin } from '@tillflow/core';
import type { Services } from '@tillflow/payments';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { NextRequest } from 'next/server';
import { afterEach, describe, expect, it } from 'vitest';
import { proxy, config as proxyConfig } from '~/proxy';
import { createTRPCRouter, publicProcedure } from '~/server/api/trpc';
import { API_SECURITY_HEADERS } from '~/server/http/security-headers';
import { checkPublicUrlSetting, trustedOrigins } from '~/server/public-origin';
import { handleRestRequest } from '~/server/rest/handler';
import nextConfig from '../next.config';

const directive = (policy: string | null, name: string) =>
  policy
    ?.split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

describe('security headers', () => {
  afterEach(() => {
    delete process.env.TILLFLOW_SANDBOX_URL;
  });

  it('studio pages forbid framing and sniffing and cut referrers', () => {
    const headers = proxy(new NextRequest('http://localhost:3000/projects/4/flows')).headers;
    const csp = headers.get('content-security-policy');
    expect(directive(csp, 'frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directive(csp, 'object-src')).toBe("object-src 'none'");
    expect(directive(csp, 'script-src')).not.toMatch(/https?:/);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(headers.get('x-frame-options')).toBe('DENY');
  });

  it("the page editor's preview may be framed only by the studio itself; the rest of the studio by nobody", () => {
    const headers = proxy(new NextRequest('http://localhost:3000/preview/4/7')).headers;
    expect(directive(headers.get('content-security-policy'), 'frame-ancestors')).toBe("frame-ancestors 'self'");
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const editor = proxy(new NextRequest('http://localhost:3000/projects/4/pages/7')).headers;
    expect(directive(editor.get('content-security-policy'), 'frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it('generated app pages may be framed only by themselves and load Stripe.js from Stripe or the sandbox', () => {
    process.env.TILLFLOW_SANDBOX_URL = 'http://127.0.0.1:12111';
    const headers = proxy(new NextRequest('http://localhost:3000/app/shop/orders')).headers;
    const csp = headers.get('content-security-policy');
    expect(directive(csp, 'frame-ancestors')).toBe("frame-ancestors 'self'");
    expect(directive(csp, 'script-src')).toContain('https://js.stripe.com');
    expect(directive(csp, 'script-src')).toContain('http://127.0.0.1:12111');
    // The 3-D Secure challenge opens in a frame from the sandbox (or hooks.stripe.com).
    expect(directive(csp, 'frame-src')).toContain('http://127.0.0.1:12111');
    expect(directive(csp, 'frame-src')).toContain('https://hooks.stripe.com');
    expect(directive(csp, 'connect-src')).toContain('http://127.0.0.1:12111');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('the proxy runs for pages and never for API routes, whose bodies it would buffer', () => {
    const matches = (url: string) => unstable_doesMiddlewareMatch({ config: proxyConfig, url });
    for (const page of ['/', '/projects', '/sign-in', '/app/shop', '/app/shop/orders'])
      expect(matches(page)).toBe(true);
    for (const api of [
      '/api/hooks/stripe/7d0c2f55-0000-4000-8000-000000000000',
      '/api/v1/shop/payments',
      '/api/trpc/project.list',
      '/api/auth/sign-in/email',
      '/app/shop/api/trpc/app.signIn',
    ])
      expect(matches(api)).toBe(false);
  });

  it('API responses carry nosniff, a referrer policy and a deny-all CSP (next.config)', async () => {
    const rules = (await nextConfig.headers?.()) ?? [];
    expect(rules.map((r) => r.source)).toEqual(['/api/:path*', '/app/:slug/api/:path*', '/_next/:path*']);
    for (const rule of rules)
      expect(Object.fromEntries(rule.headers.map((h) => [h.key, h.value]))).toEqual(API_SECURITY_HEADERS);
  });
});

describe('PUBLIC_URL', () => {
  it('is required in production on a non-loopback host, with a clear message', () => {
    expect(() => checkPublicUrlSetting({ NODE_ENV: 'production', HOST: '0.0.0.0' })).toThrow(
      /PUBLIC_URL is not set, and the studio listens on 0\.0\.0\.0 in production/,
    );
    expect(() => checkPublicUrlSetting({ NODE_ENV: 'production', HOST: 'studio.example.com' })).toThrow(/PUBLIC_URL/);
    expect(() =>
      checkPublicUrlSetting({ NODE_ENV: 'production', HOST: '0.0.0.0', PUBLIC_URL: 'https://studio.example.com' }),
    ).not.toThrow();
    expect(() => checkPublicUrlSetting({ NODE_ENV: 'production', HOST: 'localhost' })).not.toThrow();
    expect(() => checkPublicUrlSetting({ NODE_ENV: 'production', HOST: '127.0.0.1' })).not.toThrow();
    expect(() => checkPublicUrlSetting({ NODE_ENV: 'development', HOST: '0.0.0.0' })).not.toThrow();
    expect(() => checkPublicUrlSetting({ PUBLIC_URL: 'ftp://x' })).toThrow(/http:\/\/ or https:\/\//);
  });

  it("trusts PUBLIC_URL's origin, or only loopback origins, never the request's", () => {
    expect(trustedOrigins({ PUBLIC_URL: 'https://studio.example.com/' })).toEqual(['https://studio.example.com']);
    expect(trustedOrigins({ PORT: '3100' })).toEqual([
      'http://localhost:3100',
      'http://127.0.0.1:3100',
      'http://[::1]:3100',
    ]);
    expect(publicOrigin({ PORT: '3100' })).toBe('http://localhost:3100');
  });
});

/** A logger (the kind services carry) whose JSON lines are read back with lines(). */
function captureLog() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ TILLFLOW_LOG_LEVEL: 'info' }, { destination }),
    lines(): Record<string, unknown>[] {
      return chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
  };
}

describe('internal errors', () => {
  const secretDetail = 'connect ECONNREFUSED 10.1.2.3:5432 (password=hunter2)';

  it('tRPC answers an unexpected error with a generic message and a request id, and logs the detail under it', async () => {
    const router = createTRPCRouter({
      boom: publicProcedure.query(() => {
        throw new Error(secretDetail);
      }),
    });
    const logged = captureLog();
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request('http://localhost/api/trpc/boom'),
      router,
      createContext: () => ({
        db: null as never,
        services: { logger: logged.logger } as Services,
        user: null,
        headers: new Headers(),
      }),
    });
    const text = await response.text();
    const lines = logged.lines();
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('10.1.2.3');
    const body = JSON.parse(text) as { error: { json: { message: string; data: { requestId: string } } } };
    const { requestId } = body.error.json.data;
    expect(requestId).toMatch(/^[0-9a-f]{16}$/);
    expect(body.error.json.message).toContain(requestId);
    // The detail is logged under the request id, the password in it masked.
    expect(lines.some((l) => l.requestId === requestId && JSON.stringify(l).includes('10.1.2.3'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('REST answers an unexpected error with a generic message and a request id, and logs the detail under it', async () => {
    const failing = {
      db: {
        select: () => {
          throw new Error(secretDetail);
        },
      },
    };
    const logged = captureLog();
    const services = { database: failing, logger: logged.logger } as unknown as Services;
    const response = await handleRestRequest(
      services,
      new Request('http://localhost/api/v1/shop/payments', { method: 'POST', body: '{}' }),
      ['shop', 'payments'],
    );
    const lines = logged.lines();
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    const { error } = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain(error.requestId);
    expect(lines.some((l) => l.requestId === error.requestId && JSON.stringify(l).includes('10.1.2.3'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
