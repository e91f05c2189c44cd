import { z } from 'zod';
import { catalogSettingsInput, listCatalog, loadAppSettings, saveAppSettings } from '../../generated-app/catalog';
import { ensureDefaultPages } from '../../pages/defaults';
import { createTRPCRouter, projectProcedure } from '../trpc';

// Studio → App: what the generated app offers (its title and catalog). Builder-side only; the app's
// end users read the result through the generated app's own router.
export const appSettingsRouter = createTRPCRouter({
  get: projectProcedure.query(({ ctx }) => loadAppSettings(ctx.db.db, ctx.project.id)),

  save: projectProcedure
    .input(z.object({ title: z.string().trim().max(120).nullish(), catalog: catalogSettingsInput }))
    .mutation(async ({ ctx, input }) => {
      const saved = await saveAppSettings(ctx.db.db, ctx.project.id, {
        title: input.title ?? null,
        catalog: input.catalog,
      });
      // Default pages nobody has edited yet follow the catalog (e.g. the Shop lists the products chosen here).
      await ensureDefaultPages(ctx.services, ctx.project.id).catch(() => []);
      return saved;
    }),

  /** The catalog as the app's buyers will see it. */
  previewCatalog: projectProcedure.query(({ ctx }) => listCatalog(ctx.services, ctx.project.id)),
});
