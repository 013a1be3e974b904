/** `nodePools[]` of a site: what a node is (system, GPUs, NICs, size), how many, in which racks, MIG. */
import { z } from 'zod';
import { GPU_IDS, NIC_IDS, SYSTEM_IDS } from './catalogue';
import { dnsLabel, positiveInt } from './schema-primitives';

const rackPlanSchema = z.strictObject({
  count: positiveInt.max(1000).describe('Racks the pool occupies.'),
  perBlock: positiveInt.max(1000).describe('Racks per network block (leaf group); topology-aware scheduling packs jobs into one block.'),
});

const migSchema = z.strictObject({
  strategy: z
    .enum(['none', 'single', 'mixed'])
    .describe('GPU Operator MIG strategy for the pool: none, single (one profile on every GPU) or mixed.'),
  profiles: z
    .record(z.string(), positiveInt.max(7))
    .optional()
    .describe('MIG layout of each GPU: profile name -> instances per GPU (e.g. {"1g.18gb": 7}). Required unless strategy is none.'),
});

export const nodePoolSchema = z.strictObject({
  // CronJob names are at most 52 characters; the longest check name is nccl-allreduce-<pool>.
  name: dnsLabel(30).describe('Pool name (at most 30 characters); becomes the node label value and the Kueue flavour.'),
  system: z
    .enum(SYSTEM_IDS)
    .optional()
    .describe(
      "The node's system, a catalogue id (e.g. DGX-H200): its cores, memory and compute ports (rail HCAs and interfaces) apply unless the pool or site states them. @default none",
    ),
  gpu: z.enum(GPU_IDS).describe('GPU model, a catalogue id.'),
  gpusPerNode: positiveInt.max(16).describe('GPUs in each node.'),
  nodes: positiveInt.max(10000).describe('Nodes in the pool.'),
  nicsPerNode: z.number().int().min(0).max(16).describe('High-speed fabric NIC ports per node.'),
  nic: z.enum(NIC_IDS).optional().describe('NIC model. @default fleet defaults.nic'),
  nodeOverheadW: positiveInt.max(20000).optional().describe('Non-GPU power per node, W. @default fleet defaults.nodeOverheadW'),
  cpusPerNode: positiveInt
    .max(1024)
    .optional()
    .describe(
      "CPUs per node as the kubelet counts them (hardware threads), for queue and namespace quotas. @default the system's cores x threads per core, else 14 per GPU (a guess: state it)",
    ),
  memoryGiBPerNode: positiveInt
    .max(65536)
    .optional()
    .describe("Memory per node, GiB, for queue and namespace quotas. @default the system's, else 256 per GPU (a guess: state it)"),
  nodeNamePrefix: dnsLabel()
    .optional()
    .describe(
      'Node names are <prefix>-r<rack>-n<node> (e.g. h200-r07-n03); the rack number places a node in its rack and block. @default the pool name',
    ),
  racks: rackPlanSchema,
  rails: z
    .number()
    .int()
    .min(0)
    .max(16)
    .optional()
    .describe(
      'Fabric rails each node connects to (one NIC port per rail). @default the site railsPerNode when the pool has that many NIC ports, else 0 (not on the rail fabric)',
    ),
  mig: migSchema.default({ strategy: 'none' }),
});
