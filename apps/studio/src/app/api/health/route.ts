import { getDb } from '~/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET() {
  const handle = await getDb();
  await handle.query('select 1');
  return Response.json({ ok: true, database: handle.driver });
}
