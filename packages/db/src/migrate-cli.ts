import { createLogger, loadSettings, type Settings } from '@tillflow/core';
import { createDb } from './client';

// `npm run db:migrate`: JSON lines through the install's logger (secrets masked), like every process.
function settingsOrExit(): Settings {
  try {
    return loadSettings();
  } catch (error) {
    // No logger without valid settings: the same JSON shape by hand (the message names the variable, never its value).
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), pid: process.pid, process: 'migrate', msg: (error as Error).message })}\n`,
    );
    process.exit(2);
  }
}
const settings = settingsOrExit();
const logger = createLogger(settings, { base: { process: 'migrate' } });
try {
  const handle = await createDb();
  logger.info({ driver: handle.driver }, 'migrations applied');
  await handle.close();
} catch (error) {
  logger.fatal({ err: error }, 'migrations failed');
  process.exit(1);
}
