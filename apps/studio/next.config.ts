import path from 'node:path';
import type { NextConfig } from 'next';

const repoRoot = path.resolve(process.cwd(), '../..');

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
  serverExternalPackages: [
    '@electric-sql/pglite',
    'pg-boss',
    'pg',
    'quickjs-emscripten',
    'postgres',
    'nodemailer',
    'stripe',
  ],
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
};

export default config;
