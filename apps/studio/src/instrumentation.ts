// Next calls register() once per server process at start-up (not during build).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { checkPublicUrlSetting } = await import('./server/public-origin');
  const { stampClientAddresses } = await import('./server/http/client-address');
  try {
    // Settings that make the server unsafe to run stop it here, with the reason.
    checkPublicUrlSetting();
    stampClientAddresses();
  } catch (error) {
    // Through pino like every other line (a bad setting may make loadSettings throw: then plain JSON).
    try {
      const { fallbackLogger } = await import('./server/logger');
      fallbackLogger().fatal({ err: error }, `Tillflow cannot start: ${(error as Error).message}`);
    } catch {
      process.stderr.write(
        `${JSON.stringify({ level: 60, time: new Date().toISOString(), msg: `Tillflow cannot start: ${(error as Error).message}` })}\n`,
      );
    }
    process.exit(1);
  }
  const { bootServer } = await import('./server/boot');
  await bootServer();
}
