export * from './kueue-queues';
export * from './kueue';
