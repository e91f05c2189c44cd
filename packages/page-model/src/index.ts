export * from './actions';
export * from './binding-scope';
export * from './catalog';
export * from './defaults';
export * from './evaluate';
export * from './scope';
export * from './types';
export * from './validate';
