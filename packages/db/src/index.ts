export * from './client';
export { runMigrations } from './migrate';
export * from './paths';
export { projectScope } from './project-scope';
export * from './schema';
