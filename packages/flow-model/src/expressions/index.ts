export * from './ast';
export * from './check';
export * from './evaluate';
export * from './functions';
export * from './parse';
export * from './template';
