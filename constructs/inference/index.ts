export * from './inference-runtime';
export * from './kserve';
