export * from './ceph-storage';
export * from './storage-operator';
export * from './storage-tiers';
