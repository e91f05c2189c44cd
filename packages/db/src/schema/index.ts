// One file per domain; each later capability adds its own file here.
export * from './auth';
export * from './projects';
export * from './dataModel';
export * from './payments';
export * from './apiKeys';
