import { createDb } from './client';

const handle = await createDb();
console.log(`migrations applied (${handle.driver})`);
await handle.close();
