export * from './bindings';
export * from './clipboard';
export * from './graph-ops';
export * from './history';
export * from './layout';
export * from './merge';
export * from './publish-changes';
