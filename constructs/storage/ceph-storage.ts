import { Construct } from 'constructs';
import type { Fleet, Site } from '../../config';
import { METADATA_REPLICAS, NEARFULL_RATIO, TIER_POOLS, storageHosts } from '../../config/checks/storage';
import { CustomResource } from '../custom-resource';
import { DeployedSettingsGuard, joined, text } from '../live-guard';
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
/**
 * Node label Rook reads into the CRUSH map: with racks as the failure domain, copies land in
 * different racks.
 * @see https://rook.io/docs/rook/latest-release/CRDs/Cluster/ceph-cluster-crd/#osd-topology
 */
export const CRUSH_RACK_LABEL = 'topology.rook.io/rack';
/** The failure domain Rook gives a pool that sets none. */
const ROOK_DEFAULT_FAILURE_DOMAIN = 'host';
const MONS = 3;
const MGRS = 2;
const MDS_ACTIVE = 2;
const RGW_INSTANCES = 2;
/** Digits of the rack number in rack names and rule names. */
const RACK_DIGITS = 2;

export interface CephStorageProps {
  readonly site: Site;
  readonly images: Fleet['images'];
  /** Namespace of the Rook operator (and of the cluster). */
  readonly namespace: string;
}

/**
 * The site's Ceph, run by Rook: the CephCluster on the named storage hosts, their filtered
 * devices and the storage network (plus a cluster network when the site has one), an RBD pool for
 * scratch, a CephFS with datasets and checkpoints pools, and an S3 object store; each pool's quota
 * is its tier's capacity, its layout TIER_POOLS (the loader checks the hosts against it). Every
 * one of them holds data and is protected from destroy.
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
    const { tiers, hosts, nodeNamePrefix, clusterNetwork } = site.storage;
    if (!hosts) throw new Error(`${site.id}: storage backend rook-ceph needs storage.hosts { count, devices }`);
    const { devices, failureDomain } = hosts;
    const storageNetwork = site.interconnect.addressPlan.storage;
    const nodes = storageHosts(site.storage);
    const quota = (tb: number) => ({ maxSize: `${tb}T` });
    const replicated = (size: number) => ({ failureDomain, replicated: { size } });
    const resource = (rid: string, kind: string, name: string, spec: Record<string, unknown>) =>
      new CustomResource(this, rid, {
        siteId: site.id,
        apiVersion: 'ceph.rook.io/v1',
        kind,
        metadata: { name, namespace },
        spec,
        protect: true,
      });

    const rackRules = [...new Set(nodes.map((n) => n.rack).filter((r) => r !== undefined))].map((rack) => {
      const number = String(rack).padStart(RACK_DIGITS, '0');
      return {
        name: `storage-rack-${number}`,
        labels: { [CRUSH_RACK_LABEL]: `${nodeNamePrefix}-r${number}` },
        matchFeatures: [
          {
            feature: 'system.name',
            matchExpressions: { nodename: { op: 'In', value: nodes.filter((n) => n.rack === rack).map((n) => n.name) } },
          },
        ],
      };
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
                matchExpressions: { nodename: { op: 'InRegexp', value: [`^${nodeNamePrefix}-n\\d+$`] } },
              },
            ],
          },
          ...rackRules,
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
      // Ceph traffic stays on the site's storage network; replication and recovery move to the
      // cluster network when the site has one, else they share the storage network.
      network: {
        provider: 'host',
        // Without a cluster network of its own, replication shares the storage network, as before:
        // Rook does not support changing a deployed cluster's networks.
        addressRanges: { public: [storageNetwork], cluster: [clusterNetwork ?? storageNetwork] },
      },
      placement: {
        all: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: STORAGE_NODE_LABEL, operator: 'In', values: ['true'] }] }],
            },
          },
        },
      },
      // Named hosts and filtered devices, never every node and disk (Rook advises against both in
      // production); the named nodes inherit the cluster-level filter and device class.
      storage: {
        useAllNodes: false,
        useAllDevices: false,
        ...(devices.deviceFilter !== undefined ? { deviceFilter: devices.deviceFilter } : { devicePathFilter: devices.devicePathFilter }),
        config: { deviceClass: devices.deviceClass },
        // The fill limit the loader sizes the tiers against.
        nearFullRatio: NEARFULL_RATIO,
        nodes: nodes.map((n) => ({ name: n.name })),
      },
      disruptionManagement: { managePodBudgets: true },
      priorityClassNames: { all: PRIORITY_CLASS.system },
    });

    this.scratchPool = resource('scratch-pool', 'CephBlockPool', SCRATCH_POOL, {
      ...replicated(TIER_POOLS.scratch.replicas),
      quotas: quota(tiers.scratchTB),
    });

    this.filesystem = resource('filesystem', 'CephFilesystem', CEPH_FILESYSTEM_NAME, {
      metadataPool: replicated(METADATA_REPLICAS),
      dataPools: [
        { name: 'datasets', ...replicated(TIER_POOLS.datasets.replicas), quotas: quota(tiers.datasetsTB) },
        { name: 'checkpoints', ...replicated(TIER_POOLS.checkpoints.replicas), quotas: quota(tiers.checkpointsTB) },
      ],
      preserveFilesystemOnDelete: true,
      metadataServer: { activeCount: MDS_ACTIVE, activeStandby: true, priorityClassName: PRIORITY_CLASS.system },
    });

    this.objectStore = resource('object-store', 'CephObjectStore', CEPH_OBJECT_STORE_NAME, {
      metadataPool: replicated(METADATA_REPLICAS),
      dataPool: { failureDomain, erasureCoded: { ...TIER_POOLS.object }, quotas: quota(tiers.objectTB) },
      preservePoolsOnDelete: true,
      gateway: { port: 80, instances: RGW_INSTANCES, priorityClassName: PRIORITY_CLASS.system },
    });

    // What a deployed cluster cannot take back: its networks (Rook does not support changing
    // them) and its pools' failure domain (Rook keeps a pool's CRUSH rule unless the pool allows
    // CRUSH updates). The plan stops on either, naming the deployed value. A cluster written
    // without a cluster range replicates on its public one; an unset failure domain is Rook's host.
    const networks = "Rook does not support changing a deployed cluster's networks: keep the deployed value, or migrate the cluster.";
    const publicRange = (o: string) => joined(`${o}.spec.network.addressRanges.public`);
    const clusterRange = (o: string) => joined(`${o}.spec.network.addressRanges.cluster`);
    new DeployedSettingsGuard(this, 'cluster-guard', this.cluster, [
      { name: 'storage (public) network', read: publicRange, wanted: storageNetwork, why: networks },
      {
        name: 'cluster network',
        read: (o) => `(${clusterRange(o)} != "" ? ${clusterRange(o)} : ${publicRange(o)})`,
        wanted: clusterNetwork ?? storageNetwork,
        why: networks,
      },
    ]);
    const crush =
      "Rook keeps a pool's CRUSH rule unless the pool enables CRUSH updates, so the change would not take effect; moving a pool to another failure domain is a migration (label the OSD hosts, restart the OSDs, enable CRUSH updates on the pool, let Ceph move its data), not a routine deploy.";
    const domain = (rid: string, target: CustomResource, read: (o: string) => string) =>
      new DeployedSettingsGuard(this, rid, target, [{ name: 'failure domain', read, wanted: failureDomain, why: crush }]);
    domain('scratch-guard', this.scratchPool, (o) => text(`${o}.spec.failureDomain`, ROOK_DEFAULT_FAILURE_DOMAIN));
    domain(
      'filesystem-guard',
      this.filesystem,
      (o) =>
        `try(join(",", distinct([for p in ${o}.spec.dataPools : p.failureDomain == null ? "${ROOK_DEFAULT_FAILURE_DOMAIN}" : p.failureDomain])), "")`,
    );
    domain('object-store-guard', this.objectStore, (o) => text(`${o}.spec.dataPool.failureDomain`, ROOK_DEFAULT_FAILURE_DOMAIN));
  }
}
