export * from './fabric-settings';
export * from './nccl-settings';
export * from './network-operator';
export * from './nic-cluster-policy';
export * from './rail-networks';
