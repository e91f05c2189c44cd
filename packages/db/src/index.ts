export * from './client';
export { runMigrations } from './migrate';
export * from './paths';
export * from './schema';
