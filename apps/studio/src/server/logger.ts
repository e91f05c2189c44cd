import { createLogger, type Logger, loadSettings, type Settings } from '@tillflow/core';

// The studio's logger is one of its services (services.ts makes it once per process from the settings:
// TILLFLOW_LOG_LEVEL and the install's secret values to mask) and reaches the workers, the mail dispatcher,
// the alerts check, the route guards and the tRPC error formatter through them. Tests pass their own.

export function createStudioLogger(settings: Settings = loadSettings()): Logger {
  return createLogger(settings, { base: { process: 'studio' } });
}

/** Only for an error met before any services exist (the request's context could not be built). */
export const fallbackLogger = (): Logger => createStudioLogger();
