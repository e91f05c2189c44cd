import { getDb } from '~/server/db';
import { healthReport } from '~/server/health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Database, run queue (depth, oldest due run's age), workers alive per process, sandbox. 503 without a database. */
export async function GET() {
  const { status, body } = await healthReport(await getDb());
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}
