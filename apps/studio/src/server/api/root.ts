import { apiKeysRouter } from './routers/api-keys';
import { appSettingsRouter } from './routers/app-settings';
import { dataModelRouter } from './routers/data-model';
import { endUsersRouter } from './routers/end-users';
import { eventsRouter } from './routers/events';
import { flowsRouter } from './routers/flows';
import { mailboxRouter } from './routers/mailbox';
import { activityRouter, invitationsRouter, membersRouter, sessionsRouter } from './routers/members';
import { pagesRouter } from './routers/pages';
import { paymentsRouter } from './routers/payments';
import { permissionsRouter } from './routers/permissions';
import { projectRouter } from './routers/project';
import { realtimeRouter } from './routers/realtime';
import { createCallerFactory, createTRPCRouter } from './trpc';

// The studio's API: one router per domain, composed here (as in create-t3-app's src/server/api). The
// generated app's end-user API is a separate router (server/generated-app/router.ts) with its own endpoint.
export const studioRouter = createTRPCRouter({
  appSettings: appSettingsRouter,
  realtime: realtimeRouter,
  mailbox: mailboxRouter,
  project: projectRouter,
  dataModel: dataModelRouter,
  permissions: permissionsRouter,
  endUsers: endUsersRouter,
  payments: paymentsRouter,
  apiKeys: apiKeysRouter,
  flows: flowsRouter,
  pages: pagesRouter,
  events: eventsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  activity: activityRouter,
  sessions: sessionsRouter,
});

export type StudioRouter = typeof studioRouter;
export const createCaller = createCallerFactory(studioRouter);
