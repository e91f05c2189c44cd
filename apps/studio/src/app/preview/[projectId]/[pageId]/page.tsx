import { headers } from 'next/headers';
import { PreviewedPage } from '~/app/app/[projectSlug]/_components/built-page';
import { AppProviders } from '~/app/app/[projectSlug]/_components/trpc';
import { errorMessage } from '~/lib/trpc-errors';
import { createTRPCContext } from '~/server/api/context';
import { createCaller } from '~/server/api/root';
import { parsePreviewAs } from '~/server/pages/preview-as';

// The page editor's preview iframe: a page's DRAFT rendered with real data as the visitor, app user or role chosen
// in the editor (`?as=visitor|user:<id>|role:<name>`, address params as `p.<name>`). Read through the studio's
// `pages.preview` procedure with the builder's own session (members only; the app's end-user cookie is never read).
// Framed by the studio only (server/http/security-headers.ts). Nothing on it runs an action.
export const dynamic = 'force-dynamic';

export default async function PreviewRoute({
  params,
  searchParams,
}: {
  params: Promise<{ projectId: string; pageId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId, pageId } = await params;
  const query = await searchParams;
  const pageParams = Object.fromEntries(
    Object.entries(query).flatMap(([k, v]) => (k.startsWith('p.') && typeof v === 'string' ? [[k.slice(2), v]] : [])),
  );
  const caller = createCaller(await createTRPCContext({ headers: await headers() }));
  const answer = await Promise.all([
    caller.pages.preview({
      projectId: Number(projectId) || 0,
      pageId: Number(pageId) || 0,
      as: parsePreviewAs(typeof query.as === 'string' ? query.as : 'visitor'),
      params: pageParams,
    }),
    caller.project.get({ projectId: Number(projectId) || 0 }),
  ]).catch((error: unknown) => ({ error: errorMessage(error) }));
  let body: React.ReactNode;
  if ('error' in answer) body = <p role="alert">{answer.error}</p>;
  else {
    const [preview, project] = answer;
    body =
      preview.status === 'ok' ? (
        <AppProviders slug={project.slug}>
          <PreviewedPage slug={project.slug} view={preview.view} me={preview.me} as={preview.as} />
        </AppProviders>
      ) : (
        <p className="text-sm text-gray-700">
          {preview.status === 'params'
            ? `Fill in ${preview.missing?.join(', ')} above to preview this page.`
            : preview.status === 'sign_in'
              ? `As ${preview.as}, “${preview.title}” asks to sign in first.`
              : `“${preview.title}” is not available to ${preview.as}.`}
        </p>
      );
  }
  return <main className="mx-auto min-h-screen max-w-4xl bg-gray-50 px-4 py-6 text-gray-900">{body}</main>;
}
