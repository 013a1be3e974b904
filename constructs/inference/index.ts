export * from './gateway';
export * from './inference-runtime';
export * from './kserve';
