export * from './client';
export * from './paths';
export * from './schema';
export { runMigrations } from './migrate';
