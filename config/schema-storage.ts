/** `storage` of a site: the back end, the tiers and, for Rook-Ceph, the hosts and devices. */
import { z } from 'zod';
import { cidr, dnsLabel, positiveInt } from './schema-primitives';

export const storageSchema = z.strictObject({
  backend: z
    .enum(['rook-ceph', 'external'])
    .describe('rook-ceph: Ceph run in the cluster; external: an existing parallel file system through its CSI driver.'),
  tiers: z.strictObject({
    scratchTB: z.number().min(0).max(1_000_000).describe('Fast scratch space, TB.'),
    datasetsTB: z.number().min(0).max(1_000_000).describe('Dataset storage, TB.'),
    checkpointsTB: z.number().min(0).max(1_000_000).describe('Checkpoint storage, TB.'),
    objectTB: z.number().min(0).max(1_000_000).describe('S3-compatible object storage, TB.'),
  }),
  nodeNamePrefix: dnsLabel()
    .default('storage')
    .describe(
      'Rook-Ceph storage hosts are named <prefix>-n<number> (e.g. storage-n01): the storage-node label selects them and the CephCluster lists them. @default storage',
    ),
  hosts: z
    .strictObject({
      count: positiveInt
        .max(10_000)
        .describe('Storage hosts Ceph stores data on: <nodeNamePrefix>-n1 to -n<count>, numbered with numberDigits digits.'),
      numberDigits: z
        .number()
        .int()
        .min(1)
        .max(6)
        .default(2)
        .describe("Digits of the host number, zero-padded (2: storage-n01); host names must match the nodes' hostnames. @default 2"),
      failureDomain: z
        .enum(['host', 'rack'])
        .default('host')
        .describe(
          'What each pool spreads its copies and chunks over: host, or rack (hosts grouped by hostsPerRack in number order, labelled topology.rook.io/rack). @default host',
        ),
      hostsPerRack: positiveInt
        .max(1000)
        .optional()
        .describe('Hosts per rack, in number order (4: n01-n04 in rack 1); required when failureDomain is rack.'),
      devices: z
        .strictObject({
          perHost: positiveInt.max(256).describe('Data devices (one OSD each) per host.'),
          sizeTB: z.number().positive().max(1000).describe('Size of each device, TB (decimal, as sold: 15.36, 30.72, 61.44).'),
          deviceClass: z.enum(['nvme', 'ssd', 'hdd']).describe('CRUSH device class of the OSDs.'),
          deviceFilter: z
            .string()
            .min(1)
            .optional()
            .describe('Regular expression on kernel device names, e.g. ^nvme[0-9]+n1$ (set this or devicePathFilter).'),
          devicePathFilter: z
            .string()
            .min(1)
            .optional()
            .describe('Regular expression on device paths, e.g. ^/dev/disk/by-id/nvme-.* (set this or deviceFilter).'),
        })
        .describe('Data devices of each host; Ceph takes only those the filter matches.'),
    })
    .optional()
    .describe('The hosts Rook-Ceph stores data on and their devices; required when backend is rook-ceph.'),
  clusterNetwork: cidr
    .optional()
    .describe(
      'Separate Ceph cluster network for replication and recovery, outside the address plan. @default - replication shares the storage network',
    ),
  external: z
    .strictObject({
      csiDriver: z.string().min(1).describe('CSI driver name of the parallel file system (e.g. spectrumscale.csi.ibm.com).'),
      fileSystem: z.string().min(1).describe('File system or export the tiers are carved from.'),
    })
    .optional()
    .describe('The existing file system; required when backend is external.'),
});
