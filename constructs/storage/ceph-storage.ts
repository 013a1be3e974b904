import { Construct } from 'constructs';
import type { Fleet, Site } from '../../config';
import { CustomResource } from '../custom-resource';
import { LABEL_PREFIX, PRIORITY_CLASS } from '../contract';

/** Label the storage-node rule sets; Ceph daemons are placed on it. */
export const STORAGE_NODE_LABEL = `${LABEL_PREFIX}/storage-node`;
export const CEPH_CLUSTER_NAME = 'factory-ceph';
export const CEPH_FILESYSTEM_NAME = 'factory-fs';
export const CEPH_OBJECT_STORE_NAME = 'factory-object';
export const SCRATCH_POOL = 'scratch';
/**
 * Where clients reach the object gateway's pods: Rook runs RGW on 8080 inside the pod (not on the
 * Service's port) unless it uses host networking, and labels the pods with the store's name.
 */
export const RGW_POD = { port: 8080, labels: { app: 'rook-ceph-rgw', rook_object_store: CEPH_OBJECT_STORE_NAME } } as const;
const MONS = 3;
const MGRS = 2;
const MDS_ACTIVE = 2;
const RGW_INSTANCES = 2;
/** Object data: erasure coded 4+2 (1.5x raw) survives two failed hosts. */
const OBJECT_EC = { dataChunks: 4, codingChunks: 2 } as const;

export interface CephStorageProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  /** Namespace of the Rook operator (and of the cluster). */
  readonly namespace: string;
}

/**
 * The site's Ceph, run by Rook: the CephCluster on the storage nodes and storage network, an RBD
 * pool for scratch, a CephFS with datasets and checkpoints pools, and an S3 object store; each
 * pool's quota is its tier's capacity. Every one of them holds data and is protected from destroy.
 * Custom resources rather than the rook-ceph-cluster chart, so each data-bearing resource carries
 * its own prevent_destroy and CRD validation.
 * @see https://rook.io/docs/rook/latest-release/CRDs/Cluster/ceph-cluster-crd/
 */
export class CephStorage extends Construct {
  readonly cluster: CustomResource;
  readonly scratchPool: CustomResource;
  readonly filesystem: CustomResource;
  readonly objectStore: CustomResource;
  readonly storageNodes: CustomResource;

  constructor(scope: Construct, id: string, props: CephStorageProps) {
    super(scope, id);
    const { site, namespace } = props;
    const { tiers } = site.storage;
    const storageNetwork = site.interconnect.addressPlan.storage;
    const quota = (tb: number) => ({ maxSize: `${tb}T` });
    const replicated = (size: number) => ({ failureDomain: 'host', replicated: { size } });
    const resource = (rid: string, kind: string, name: string, spec: Record<string, unknown>) =>
      new CustomResource(this, rid, {
        siteId: site.id,
        apiVersion: 'ceph.rook.io/v1',
        kind,
        metadata: { name, namespace },
        spec,
        protect: true,
      });

    this.storageNodes = new CustomResource(this, 'storage-nodes', {
      siteId: site.id,
      apiVersion: 'nfd.k8s-sigs.io/v1alpha1',
      kind: 'NodeFeatureRule',
      metadata: { name: 'storage-nodes' },
      spec: {
        rules: [
          {
            name: 'storage-nodes',
            labels: { [STORAGE_NODE_LABEL]: 'true' },
            matchFeatures: [
              {
                feature: 'system.name',
                matchExpressions: { nodename: { op: 'InRegexp', value: [`^${site.storage.nodeNamePrefix}-n\\d+$`] } },
              },
            ],
          },
        ],
      },
    });

    this.cluster = resource('cluster', 'CephCluster', CEPH_CLUSTER_NAME, {
      cephVersion: { image: props.images.ceph },
      dataDirHostPath: '/var/lib/rook',
      mon: { count: MONS, allowMultiplePerNode: false },
      mgr: { count: MGRS, modules: [{ name: 'rook', enabled: true }] },
      dashboard: { enabled: true, ssl: true },
      monitoring: { enabled: true },
      // Ceph traffic stays on the site's storage network.
      network: { provider: 'host', addressRanges: { public: [storageNetwork], cluster: [storageNetwork] } },
      placement: {
        all: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: STORAGE_NODE_LABEL, operator: 'In', values: ['true'] }] }],
            },
          },
        },
      },
      storage: { useAllNodes: true, useAllDevices: true },
      disruptionManagement: { managePodBudgets: true },
      priorityClassNames: { all: PRIORITY_CLASS.system },
    });

    this.scratchPool = resource('scratch-pool', 'CephBlockPool', SCRATCH_POOL, {
      // Scratch is re-creatable: two copies trade durability for capacity and write speed.
      ...replicated(2),
      quotas: quota(tiers.scratchTB),
    });

    this.filesystem = resource('filesystem', 'CephFilesystem', CEPH_FILESYSTEM_NAME, {
      metadataPool: { replicated: { size: 3 } },
      dataPools: [
        { name: 'datasets', ...replicated(3), quotas: quota(tiers.datasetsTB) },
        { name: 'checkpoints', ...replicated(3), quotas: quota(tiers.checkpointsTB) },
      ],
      preserveFilesystemOnDelete: true,
      metadataServer: { activeCount: MDS_ACTIVE, activeStandby: true, priorityClassName: PRIORITY_CLASS.system },
    });

    this.objectStore = resource('object-store', 'CephObjectStore', CEPH_OBJECT_STORE_NAME, {
      metadataPool: { failureDomain: 'host', replicated: { size: 3 } },
      dataPool: { failureDomain: 'host', erasureCoded: { ...OBJECT_EC }, quotas: quota(tiers.objectTB) },
      preservePoolsOnDelete: true,
      gateway: { port: 80, instances: RGW_INSTANCES, priorityClassName: PRIORITY_CLASS.system },
    });
  }
}
