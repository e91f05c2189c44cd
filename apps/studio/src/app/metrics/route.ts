import { timingSafeEqual } from 'node:crypto';
import { setting } from '@tillflow/core';
import { getDb } from '~/server/db';
import { metricsText } from '~/server/health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function authorised(request: Request): boolean {
  const token = setting('TILLFLOW_METRICS_TOKEN');
  if (!token) return true;
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Prometheus text format; with TILLFLOW_METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export async function GET(request: Request) {
  if (!authorised(request)) return new Response('unauthorized\n', { status: 401 });
  const { contentType, text } = await metricsText(await getDb());
  return new Response(text, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
}
