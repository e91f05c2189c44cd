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
    console.error(`Tillflow cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  const { bootServer } = await import('./server/boot');
  await bootServer();
}
