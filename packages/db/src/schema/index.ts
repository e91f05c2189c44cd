// One file per domain; each later capability adds its own file here.

export * from './api-keys';
export * from './app-auth';
export * from './auth';
export * from './data-model';
export * from './endpoints';
export * from './events';
export * from './flows';
export * from './mail';
export * from './operations';
export * from './pages';
export * from './payments';
export * from './projects';
export * from './realtime';
export * from './teams';
