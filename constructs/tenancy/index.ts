export * from './tenant';
export * from './tenant-guard';
