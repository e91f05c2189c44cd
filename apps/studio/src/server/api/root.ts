import { apiKeysRouter } from './routers/api-keys';
import { generatedAppRouter } from './routers/app';
import { dataModelRouter } from './routers/data-model';
import { endUsersRouter } from './routers/end-users';
import { eventsRouter } from './routers/events';
import { flowsRouter } from './routers/flows';
import { mailboxRouter } from './routers/mailbox';
import { paymentsRouter } from './routers/payments';
import { permissionsRouter } from './routers/permissions';
import { projectRouter } from './routers/project';
import { createCallerFactory, createTRPCRouter } from './trpc';

// One router per domain, composed here (as in create-t3-app's src/server/api).
export const appRouter = createTRPCRouter({
  app: generatedAppRouter,
  mailbox: mailboxRouter,
  project: projectRouter,
  dataModel: dataModelRouter,
  permissions: permissionsRouter,
  endUsers: endUsersRouter,
  payments: paymentsRouter,
  apiKeys: apiKeysRouter,
  flows: flowsRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
