import { apiKeysRouter } from './routers/apiKeys';
import { dataModelRouter } from './routers/dataModel';
import { endUsersRouter } from './routers/endUsers';
import { paymentsRouter } from './routers/payments';
import { permissionsRouter } from './routers/permissions';
import { projectRouter } from './routers/project';
import { createCallerFactory, createTRPCRouter } from './trpc';

// One router per domain, composed here (as in create-t3-app's src/server/api).
export const appRouter = createTRPCRouter({
  project: projectRouter,
  dataModel: dataModelRouter,
  permissions: permissionsRouter,
  endUsers: endUsersRouter,
  payments: paymentsRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
