import { headers } from 'next/headers';
import { createTRPCContext } from '~/server/api/context';
import { createCaller } from '~/server/api/root';
import { PageEditor, type PageEditorInitial } from '../_components/page-editor';

export default async function Page({ params }: { params: Promise<{ projectId: string; pageId: string }> }) {
  const { projectId, pageId } = await params;
  const ids = { projectId: Number(projectId), pageId: Number(pageId) };
  // The editor's data read on the server with the builder's own session (the same procedures and checks as the
  // browser's calls), so the first paint already has the outline and properties; on any refusal the browser's own
  // queries load it and show their message.
  const caller = createCaller(await createTRPCContext({ headers: await headers() }));
  const initial: PageEditorInitial | undefined = await Promise.all([caller.pages.get(ids), caller.pages.versions(ids)])
    .then(([page, versions]) => ({ page, versions }))
    .catch(() => undefined);
  return <PageEditor projectId={ids.projectId} pageId={ids.pageId} initial={initial} />;
}
