import path from 'node:path';
import type { NextConfig } from 'next';

const repoRoot = path.resolve(process.cwd(), '../..');

// API answers are data: never framed, never sniffed (pages get theirs from src/proxy.ts;
// a test keeps this in step with API_SECURITY_HEADERS in src/server/http/security-headers.ts).
const apiHeaders = [
  { key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
];

const config: NextConfig = {
  // Workspace packages ship TypeScript source; Next compiles them with the app.
  transpilePackages: [
    '@tillflow/core',
    '@tillflow/db',
    '@tillflow/data-model',
    '@tillflow/flow-model',
    '@tillflow/runtime',
    '@tillflow/payments',
    '@tillflow/stripe-sandbox',
    '@tillflow/realtime',
    '@tillflow/mail',
  ],
  // Native/wasm or worker-spawning libraries must load from node_modules at run time, not be bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'quickjs-emscripten', 'postgres', 'nodemailer', 'stripe'],
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
  async headers() {
    return ['/api/:path*', '/app/:slug/api/:path*', '/_next/:path*'].map((source) => ({
      source,
      headers: apiHeaders,
    }));
  },
};

export default config;
