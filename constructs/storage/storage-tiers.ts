import { Construct } from 'constructs';
import { StorageClassV1 } from '@cdktf/provider-kubernetes/lib/storage-class-v1';
import type { Site } from '../../config';
import { CEPH_FILESYSTEM_NAME, CEPH_OBJECT_STORE_NAME, SCRATCH_POOL } from './ceph-storage';
import { LABEL_PREFIX, siteLabels } from '../contract';

/** The storage tiers, as StorageClass names tenants' quotas and claims refer to. */
export const TIERS = ['scratch', 'datasets', 'checkpoints', 'object'] as const;
export type Tier = (typeof TIERS)[number];

const CAPACITY_ANNOTATION = `${LABEL_PREFIX}/capacity-tb`;

/** Where a tier's volumes come from. */
interface TierClass {
  readonly provisioner: string;
  readonly parameters: Record<string, string>;
  /** Delete for scratch; Retain for anything whose loss costs compute to redo. */
  readonly reclaimPolicy: 'Delete' | 'Retain';
  readonly capacityTB: number;
  readonly expandable: boolean;
}

/** On a check class: the tier it tests. */
export const CHECK_CLASS_ANNOTATION = `${LABEL_PREFIX}/checks-tier`;

export interface StorageTiersProps {
  readonly site: Site;
  /** Namespace of the Rook operator (its CSI drivers are named after it). */
  readonly rookNamespace: string;
}

/**
 * One StorageClass per storage tier, from Rook-Ceph or from the site's external parallel file
 * system. Retained classes are protected from destroy: they name where data lives.
 */
export class StorageTiers extends Construct {
  readonly classes: Partial<Record<Tier, StorageClassV1>> = {};
  /**
   * The class each file or block tier's acceptance check writes to: the tier itself when it
   * deletes its volumes, else a `<tier>-check` twin with reclaim Delete, so a check's volumes
   * never outlive it (a Retain class would keep one per client per run).
   */
  readonly checkClasses: Partial<Record<Tier, string>> = {};

  constructor(scope: Construct, id: string, props: StorageTiersProps) {
    super(scope, id);
    const { site } = props;
    const tierClasses = site.storage.backend === 'rook-ceph' ? rookClasses(site, props.rookNamespace) : externalClasses(site);
    for (const [tier, spec] of Object.entries(tierClasses) as [Tier, TierClass][]) {
      this.classes[tier] = new StorageClassV1(this, tier, {
        metadata: { name: tier, labels: siteLabels(site.id), annotations: { [CAPACITY_ANNOTATION]: String(spec.capacityTB) } },
        storageProvisioner: spec.provisioner,
        parameters: spec.parameters,
        reclaimPolicy: spec.reclaimPolicy,
        allowVolumeExpansion: spec.expandable,
        volumeBindingMode: 'Immediate',
        ...(spec.reclaimPolicy === 'Retain' ? { lifecycle: { preventDestroy: true } } : {}),
      });
      if (tier === 'object') continue;
      if (spec.reclaimPolicy === 'Delete') {
        this.checkClasses[tier] = tier;
        continue;
      }
      const name = `${tier}-check`;
      new StorageClassV1(this, `${tier}-check`, {
        metadata: { name, labels: siteLabels(site.id), annotations: { [CHECK_CLASS_ANNOTATION]: tier } },
        storageProvisioner: spec.provisioner,
        parameters: spec.parameters,
        reclaimPolicy: 'Delete',
        allowVolumeExpansion: spec.expandable,
        volumeBindingMode: 'Immediate',
      });
      this.checkClasses[tier] = name;
    }
  }
}

function rookClasses(site: Site, ns: string): Record<Tier, TierClass> {
  const { tiers } = site.storage;
  // Secret names (not secrets) the Rook CSI drivers read their Ceph keys from.
  const csiSecrets = (driver: 'rbd' | 'cephfs') => ({
    'csi.storage.k8s.io/provisioner-secret-name': `rook-csi-${driver}-provisioner`,
    'csi.storage.k8s.io/provisioner-secret-namespace': ns,
    'csi.storage.k8s.io/controller-expand-secret-name': `rook-csi-${driver}-provisioner`,
    'csi.storage.k8s.io/controller-expand-secret-namespace': ns,
    'csi.storage.k8s.io/node-stage-secret-name': `rook-csi-${driver}-node`,
    'csi.storage.k8s.io/node-stage-secret-namespace': ns,
  });
  const cephfs = (pool: string, capacityTB: number): TierClass => ({
    provisioner: `${ns}.cephfs.csi.ceph.com`,
    parameters: { clusterID: ns, fsName: CEPH_FILESYSTEM_NAME, pool: `${CEPH_FILESYSTEM_NAME}-${pool}`, ...csiSecrets('cephfs') },
    reclaimPolicy: 'Retain',
    capacityTB,
    expandable: true,
  });
  return {
    scratch: {
      provisioner: `${ns}.rbd.csi.ceph.com`,
      parameters: {
        clusterID: ns,
        pool: SCRATCH_POOL,
        imageFormat: '2',
        imageFeatures: 'layering',
        'csi.storage.k8s.io/fstype': 'xfs',
        ...csiSecrets('rbd'),
      },
      reclaimPolicy: 'Delete',
      capacityTB: tiers.scratchTB,
      expandable: true,
    },
    datasets: cephfs('datasets', tiers.datasetsTB),
    checkpoints: cephfs('checkpoints', tiers.checkpointsTB),
    object: {
      provisioner: `${ns}.ceph.rook.io/bucket`,
      parameters: { objectStoreName: CEPH_OBJECT_STORE_NAME, objectStoreNamespace: ns },
      reclaimPolicy: 'Retain',
      capacityTB: tiers.objectTB,
      expandable: false,
    },
  };
}

/** Drivers whose file-system parameter we know; others get the generic `fileSystem`. */
const EXTERNAL_FS_PARAMETER: Record<string, string> = {
  'spectrumscale.csi.ibm.com': 'volBackendFs',
};

function externalClasses(site: Site): Partial<Record<Tier, TierClass>> {
  const external = site.storage.external;
  if (!external) throw new Error(`${site.id}: storage backend external needs storage.external { csiDriver, fileSystem }`);
  const fsKey = EXTERNAL_FS_PARAMETER[external.csiDriver] ?? 'fileSystem';
  const tier = (reclaimPolicy: TierClass['reclaimPolicy'], capacityTB: number): TierClass => ({
    provisioner: external.csiDriver,
    parameters: { [fsKey]: external.fileSystem },
    reclaimPolicy,
    capacityTB,
    expandable: true,
  });
  const { tiers } = site.storage;
  // The object tier of an external site is the operator's existing S3 service, not a class here.
  return {
    scratch: tier('Delete', tiers.scratchTB),
    datasets: tier('Retain', tiers.datasetsTB),
    checkpoints: tier('Retain', tiers.checkpointsTB),
  };
}
