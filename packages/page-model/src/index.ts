export * from './actions';
export * from './catalog';
export * from './evaluate';
export * from './scope';
export * from './types';
export * from './validate';
