import { pageDefinitionSchema, validatePage } from '@tillflow/page-model';
import { z } from 'zod';
import { previewAsSchema, previewDraft } from '../../pages/preview';
import {
  createPage,
  deletePage,
  duplicatePage,
  getPage,
  listPages,
  listPageVersions,
  loadPageContext,
  publishPage,
  renamePage,
  rollbackPage,
  savePageDraft,
  setHomePage,
} from '../../pages/store';
import { createTRPCRouter, projectProcedure } from '../trpc';

// Thin: input shapes here; the rules live in server/pages/store.ts (drafts, versions, publishing) and
// @tillflow/page-model (what a page is and how it is validated).

const pageInput = z.object({ pageId: z.number().int().positive() });
const title = z.string().trim().min(1, 'Give the page a name.').max(120);

export const pagesRouter = createTRPCRouter({
  /** Every page with its address, whether it is live, changed since, and which one is home. */
  list: projectProcedure.query(({ ctx }) => listPages(ctx.db.db, ctx.project.id)),

  /** One page for the editor: its draft, revision, and what validation says, plus the project context for pickers. */
  get: projectProcedure.input(pageInput).query(async ({ ctx, input }) => {
    const page = await getPage(ctx.db.db, ctx.project.id, input.pageId);
    const context = await loadPageContext(ctx.db.db, ctx.project.id);
    return {
      id: page.id,
      draft: pageDefinitionSchema.parse(page.draft),
      revision: page.draftRevision,
      publishedVersion: page.publishedVersion,
      isHome: page.isHome,
      context,
      issues: validatePage(page.draft, context),
    };
  }),

  /**
   * The page's draft with real data as a chosen visitor, app user or role (the studio's preview iframe). Reads only,
   * as that actor; the preview never runs an action. Project members only (a builder session, not an app cookie).
   */
  preview: projectProcedure
    .input(
      pageInput.extend({
        as: previewAsSchema,
        params: z.record(z.string(), z.string().max(200)).optional(),
      }),
    )
    .query(({ ctx, input }) => previewDraft(ctx.db, ctx.project, input)),

  create: projectProcedure
    .input(z.object({ title }))
    .mutation(({ ctx, input }) => createPage(ctx.db.db, ctx.project.id, input)),

  /** Autosave with optimistic concurrency: CONFLICT when someone saved since `expectedRevision`. */
  saveDraft: projectProcedure
    .input(pageInput.extend({ definition: z.unknown(), expectedRevision: z.number().int() }))
    .mutation(({ ctx, input }) => savePageDraft(ctx.db.db, ctx.project.id, input)),

  publish: projectProcedure
    .input(pageInput)
    .mutation(({ ctx, input }) => publishPage(ctx.db.db, ctx.project.id, input.pageId, ctx.user.id)),

  versions: projectProcedure
    .input(pageInput)
    .query(({ ctx, input }) => listPageVersions(ctx.db.db, ctx.project.id, input.pageId)),

  rollback: projectProcedure
    .input(pageInput.extend({ version: z.number().int().positive() }))
    .mutation(({ ctx, input }) => rollbackPage(ctx.db.db, ctx.project.id, input, ctx.user.id)),

  rename: projectProcedure
    .input(pageInput.extend({ title }))
    .mutation(({ ctx, input }) => renamePage(ctx.db.db, ctx.project.id, input.pageId, input.title)),

  duplicate: projectProcedure
    .input(pageInput)
    .mutation(({ ctx, input }) => duplicatePage(ctx.db.db, ctx.project.id, input.pageId)),

  delete: projectProcedure
    .input(pageInput)
    .mutation(({ ctx, input }) => deletePage(ctx.db.db, ctx.project.id, input.pageId)),

  setHome: projectProcedure
    .input(pageInput)
    .mutation(({ ctx, input }) => setHomePage(ctx.db.db, ctx.project.id, input.pageId)),
});
