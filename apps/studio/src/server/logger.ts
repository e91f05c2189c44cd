import { createLogger, type Logger, loadSettings } from '@tillflow/core';

// The studio process's logger: made once from the settings (TILLFLOW_LOG_LEVEL, and the install's
// secret values to mask) and handed to the workers, the mail dispatcher, the alerts check and the
// route guards. Held on globalThis like the other per-process services, because Next may load this
// module in several bundles. Tests hand in a logger that captures its lines (replaceStudioLogger).

const holder = globalThis as unknown as { __tillflowLogger?: Logger };

export function studioLogger(): Logger {
  holder.__tillflowLogger ??= createLogger(loadSettings(), { base: { process: 'studio' } });
  return holder.__tillflowLogger;
}

/** Replaces the process's logger (tests capture lines with it); returns the previous one. */
export function replaceStudioLogger(logger: Logger | undefined): Logger | undefined {
  const previous = holder.__tillflowLogger;
  holder.__tillflowLogger = logger;
  return previous;
}
