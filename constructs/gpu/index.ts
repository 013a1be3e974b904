export * from './gpu-operator';
export * from './node-features';
export * from './node-pool-labels';
export * from './workload-classes';
export * from './gpu-resources';
