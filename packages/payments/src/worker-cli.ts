// `npm run worker`: a flow-run worker process with the payment callback
// handlers registered (the runtime alone does not know them). Run as many as
// needed against one PostgreSQL (DATABASE_URL); on PGlite only one process may
// open the data folder, so there the studio's in-process workers are used.

import { loadSettings } from '@tillflow/core';
import { createDb } from '@tillflow/db';
import { useProjectMailForFlows } from '@tillflow/mail';
import { resealLegacySecrets, startWorkers } from '@tillflow/runtime';
import { registerPaymentNodeExecutors } from './node-executors';

const settings = loadSettings();
const handle = await createDb();
await resealLegacySecrets(handle.db);
registerPaymentNodeExecutors();
useProjectMailForFlows();
const workers = await startWorkers(handle, {
  concurrency: settings.TILLFLOW_WORKER_CONCURRENCY,
});
console.log(`worker ${workers.workerId} started (${handle.driver})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('worker stopping: finishing runs in progress…');
    await workers.stop();
    await handle.close();
    process.exit(0);
  });
