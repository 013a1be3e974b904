/**
 * The fleet config schema, written once. TypeScript types are inferred from it and the JSON
 * Schemas under `config/schema/` are generated from it (`npm run schema`), so editors validate
 * and complete the YAML while ops teams type it.
 */
import { z } from 'zod';
import { NIC_IDS } from './catalogue';
import { monitoringSchema } from './schema-monitoring';
import { cidr, dnsLabel, IPV4, isoDate, pinnedImage, positiveInt, SEMVER_TAG } from './schema-primitives';
import { nodePoolSchema } from './schema-node-pool';
import { storageSchema } from './schema-storage';

/** Countries of the programme, by ISO 3166-1 alpha-2 code. */
export const COUNTRIES = ['CZ', 'LT', 'NL', 'PL', 'RO', 'ES'] as const;
export const FOCUS_AREAS = [
  'deep-learning',
  'data-analytics',
  'embedded-ai',
  'fintech',
  'cleantech',
  'national-hpc-complement',
  'computer-vision',
  'start-ups',
  'industrial-ai',
  'large-scale-inference',
  'medical-research',
  'mobility',
  'climate-energy',
  'robotics',
] as const;
export const PROGRAMMES = ['academic', 'industrial', 'sme'] as const;
export type Programme = (typeof PROGRAMMES)[number];

// ---------------------------------------------------------------- fleet.yaml

export const chartPinSchema = z
  .strictObject({
    chart: z.string().min(1).describe('Chart name in its repository.'),
    repository: z
      .string()
      .regex(/^(https|oci):\/\/\S+$/, { error: 'is not a chart repository URL (allowed: https://... or oci://...)' })
      .describe('Helm repository URL (https:// or oci://).'),
    version: z
      .string()
      .regex(SEMVER_TAG, {
        error: 'is not a pinned chart version (allowed: an exact version such as 1.2.3 or v1.2.3; no ranges, no "latest")',
      })
      .describe('Exact chart version; ranges are not allowed.'),
    namespace: dnsLabel().describe('Namespace the release is installed into.'),
  })
  .describe('A pinned Helm chart.');

export const CHART_KEYS = [
  'nodeFeatureDiscovery',
  'gpuOperator',
  'networkOperator',
  'rookCeph',
  'cephCsiDrivers',
  'kueue',
  'kubePrometheusStack',
  'kserveCrd',
  'kserve',
  'gatewayController',
] as const;
export type ChartKey = (typeof CHART_KEYS)[number];

const backendSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('local'),
        directory: z
          .string()
          .min(1)
          .refine((dir) => !/^(\.\/)?cdktf\.out(\.[^/]*)?(\/|$)/.test(dir), {
            error: 'is inside the synth output, which every synth regenerates (allowed: a folder outside cdktf.out, e.g. terraform-state)',
          })
          .default('terraform-state')
          .describe(
            'Folder for state files, relative to the project root (never inside the synth output, which a synth regenerates). @default terraform-state',
          ),
      })
      .describe('Local state files: one machine, no locking across machines.'),
    z
      .strictObject({
        type: z.literal('s3'),
        bucket: z.string().min(3).describe('Bucket holding the state.'),
        region: z.string().default('eu-central-1').describe('Region name the endpoint expects. @default eu-central-1'),
        endpoint: z
          .string()
          .regex(/^https:\/\/\S+$/, { error: 'is not an https URL' })
          .optional()
          .describe('S3-compatible endpoint URL (Ceph RGW, MinIO, ...). Credentials come from the environment, never from config.'),
        keyPrefix: z
          .string()
          .default('ai-factories')
          .describe('Object key prefix; each stack adds <prefix>/<stack id>.tfstate. @default ai-factories'),
      })
      .describe('S3-compatible object storage with native lock files (Terraform >= 1.10).'),
    z
      .strictObject({
        type: z.literal('pg'),
        schemaPrefix: z
          .string()
          .default('ai_factories')
          .describe(
            'Each stack keeps its state in schema <prefix>_<stack id>. The connection string comes from PG_CONN_STR. @default ai_factories',
          ),
      })
      .describe('PostgreSQL state with advisory locks.'),
  ])
  .describe('Where Terraform keeps state. Credentials always come from the environment.');

const acceptanceThresholdsSchema = z
  .strictObject({
    ncclBusBwGBps: z.number().positive().max(1000).describe('Minimum NCCL all-reduce bus bandwidth across a pool, GB/s.'),
    dcgmDiagLevel: z.number().int().min(1).max(4).describe('DCGM diagnostic run level (1 quick .. 4 extended).'),
    rdmaLinkGbps: z
      .number()
      .positive()
      .max(1600)
      .describe('Minimum RDMA bandwidth between a node pair, per rail, Gb/s (at most the fabric link speed).'),
    storageReadGBps: z.number().positive().max(10000).describe('Minimum aggregate read throughput per storage tier, GB/s.'),
    wanUplinkFraction: z.number().gt(0).max(1).describe("Minimum share of an uplink's nominal capacity a WAN test must reach (0..1]."),
    gpuPerformanceMargin: z
      .number()
      .gt(0)
      .max(1)
      .describe('Share of what a healthy GPU sustains (catalogue: BF16 GEMM TFLOP/s, device copy TB/s) each GPU must reach (0..1].'),
  })
  .describe('Phase 1 acceptance thresholds: set below measured reality, never at datasheet peak.');

export const fleetFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: dnsLabel().describe('Fleet name, used in labels.'),
  charts: z
    .strictObject(Object.fromEntries(CHART_KEYS.map((key) => [key, chartPinSchema])) as Record<ChartKey, typeof chartPinSchema>)
    .describe('The pinned chart list every site installs from.'),
  backend: backendSchema.default({ type: 'local', directory: 'terraform-state' }),
  images: z
    .strictObject({
      ceph: z
        .string()
        .regex(/^[\w./-]+:v?\d+\.\d+\.\d+$/, { error: 'is not a pinned image (allowed: repository:version, never latest)' })
        .describe('Ceph image Rook runs (quay.io/ceph/ceph:<version>).'),
      networkOperatorRepository: z.string().min(1).describe('Registry path of the Network Operator components.'),
      networkOperatorVersion: z
        .string()
        .min(1)
        .describe('Tag of the Network Operator release components (device plugins, Multus, CNI plugins, nv-ipam).'),
      docaDriverVersion: z.string().min(1).describe('DOCA-OFED driver container version.'),
      cuda: pinnedImage.describe('CUDA base image of the inventory check.'),
      dcgm: pinnedImage.describe('DCGM image of the diagnostics check.'),
      pytorch: pinnedImage.describe('PyTorch image of the NCCL all-reduce check (NCCL, torchrun).'),
      acceptanceTools: pinnedImage.describe(
        "The fleet's tools image for link and storage checks: perftest (ib_write_bw), iperf3, fio, jq.",
      ),
      vllm: pinnedImage.describe('vLLM OpenAI-compatible server image of the inference runtime.'),
    })
    .describe('Pinned images of components that custom resources (not charts) deploy.'),
  defaults: z
    .strictObject({
      gpuDriverVersion: z
        .string()
        .regex(/^\d+\.\d+(\.\d+)?$/, { error: 'is not a driver version (allowed: e.g. 595.91.07)' })
        .describe('NVIDIA data-centre driver the GPU Operator installs unless a site overrides it.'),
      nodeOverheadW: positiveInt.max(20000).describe('Power a node draws besides its GPUs (CPUs, NICs, fans, switches share), W.'),
      nic: z.enum(NIC_IDS).describe('NIC model of a pool that does not name one.'),
      nodeReserved: z
        .strictObject({
          cpus: z
            .number()
            .int()
            .min(0)
            .max(64)
            .describe("CPUs pods cannot have: the kubelet's system-reserved and kube-reserved, plus the node daemons' requests."),
          memoryGiB: z
            .number()
            .int()
            .min(0)
            .max(1024)
            .describe(
              "Memory pods cannot have, GiB: the kubelet's system-reserved, kube-reserved and eviction threshold, plus the node daemons' requests.",
            ),
        })
        .default({ cpus: 8, memoryGiB: 64 })
        .describe(
          "What each node keeps from tenant pods: queue and tenant quotas count a node's CPUs, and 97% of its memory (what the kernel sees), less this; the inventory check fails a node whose allocatable CPUs or memory fall short of what the quotas count. @default { cpus: 8, memoryGiB: 64 }",
        ),
    })
    .describe('Fleet-wide defaults a site may override.'),
  acceptance: acceptanceThresholdsSchema,
  waves: z
    .array(
      z.strictObject({
        name: dnsLabel().describe('Wave name, shown by npm run rollout.'),
        sites: z.array(dnsLabel()).min(1).describe('Site ids rolled out in this wave.'),
      }),
    )
    .min(1)
    .describe('Rollout waves, in order; the first is the canary wave and holds one site.'),
});

// ---------------------------------------------------------------- sites/<cc>.yaml

const uplinkSchema = z.strictObject({
  name: dnsLabel(40).describe('Uplink name (at most 40 characters), unique within the site; its check is wan-<name>.'),
  peer: z.string().min(1).describe('Research network the uplink reaches (e.g. GEANT, RedIRIS).'),
  gbps: positiveInt.max(3200).describe('Contracted capacity, Gb/s.'),
  endpoint: z.string().regex(IPV4, { error: 'is not an IPv4 address' }).describe('Peer test endpoint for link validation.'),
});

const programmeQuotaSchema = z.strictObject({
  gpus: z.number().int().min(0).describe('GPUs the programme is guaranteed (Kueue nominal quota).'),
  borrowingLimitGpus: z.number().int().min(0).optional().describe('GPUs it may borrow from the cohort. @default 0'),
  subsidised: z.boolean().default(false).describe('Access is subsidised by the call for projects. @default false'),
});

const siteSchema = z.strictObject({
  id: dnsLabel().describe('<cc>-<city>; prefixes every stack id.'),
  city: z.string().min(1).describe('City the site is in.'),
  operator: z.string().min(1).describe('Organisation that runs the site.'),
  focus: z.array(z.enum(FOCUS_AREAS)).min(1).describe('Focus areas named by the programme.'),
  phase: z.literal([1, 2]).describe('Current rollout phase: 1 (reception, racks, link validation) or 2 (production).'),
  schedule: z.strictObject({
    phase1: z
      .strictObject({ start: isoDate.describe('First day (YYYY-MM-DD).'), end: isoDate.describe('Last day (YYYY-MM-DD).') })
      .describe('Phase 1: equipment reception, racks, network link validation.'),
    phase2: z
      .strictObject({ start: isoDate.describe('First day (YYYY-MM-DD).'), end: isoDate.describe('Last day (YYYY-MM-DD).') })
      .describe('Phase 2: production, opening to academic and industrial users.'),
  }),
  cluster: z.strictObject({
    kubeContext: z
      .string()
      .min(1)
      .describe('kubeconfig context name; the kubeconfig itself comes from KUBE_CONFIG_PATH, never from config.'),
  }),
  gpuDriverVersion: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/, { error: 'is not a driver version (allowed: e.g. 595.91.07)' })
    .optional()
    .describe('NVIDIA driver for this site. @default fleet defaults.gpuDriverVersion'),
  energy: z.strictObject({
    budgetMW: z.number().positive().max(200).describe('Facility power budget, MW.'),
    pue: z.number().min(1).max(3).describe('Power usage effectiveness (facility power / IT power).'),
    gridCarbonGPerKWh: z.number().min(0).max(1500).describe('Grid carbon intensity, gCO2e/kWh.'),
  }),
  nodePools: z.array(nodePoolSchema).min(1),
  interconnect: z.strictObject({
    fabric: z.enum(['infiniband', 'roce']),
    linkGbps: z.literal([100, 200, 400, 800]).describe('Per-port link speed, Gb/s.'),
    railsPerNode: positiveInt.max(16).describe('Rail-optimised fabric: one rail per GPU NIC.'),
    roce: z
      .strictObject({
        trafficClass: z
          .number()
          .int()
          .min(0)
          .max(255)
          .default(106)
          .describe('IP traffic class of RDMA traffic (DSCP << 2 | ECN bits); NCCL_IB_TC. @default 106 (DSCP 26, ECN-capable)'),
        pfcPriority: z
          .number()
          .int()
          .min(0)
          .max(7)
          .default(3)
          .describe('The lossless priority the switches and NICs run PFC on, mapped from the DSCP. @default 3'),
        ecn: z.boolean().default(true).describe('ECN marking (DCQCN congestion control) on the switches. @default true'),
      })
      .optional()
      .describe(
        'RoCE only: how RDMA traffic is marked and kept lossless; the switches must match (README). @default trafficClass 106, pfcPriority 3, ecn true',
      ),
    nicDriver: z
      .enum(['doca-container', 'host'])
      .default('doca-container')
      .describe(
        "The NIC driver of the fabric nodes: doca-container (the Network Operator's DOCA driver container, on the rail pools only) or host (DOCA-OFED installed on the hosts, e.g. kept for a parallel file system's clients; the operator then deploys no driver). @default doca-container",
      ),
    devicePlugin: z
      .enum(['rdma-shared', 'sriov'])
      .default('rdma-shared')
      .describe(
        'How pods get RDMA devices: rdma-shared (RDMA shared device plugin, pods share the HCAs) or sriov (a virtual function per pod). @default rdma-shared',
      ),
    railInterfaces: z
      .array(
        z.string().regex(/^[a-z][a-z0-9]{0,14}$/, {
          error: 'is not a Linux interface name (allowed: lower-case letters and digits, at most 15 characters)',
        }),
      )
      .optional()
      .describe('Host interface of each rail, in rail order. @default ib0, ib1, ... on InfiniBand; rail0, rail1, ... on RoCE'),
    railHcas: z
      .array(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: 'is not an RDMA device name (allowed: e.g. mlx5_0)' }))
      .optional()
      .describe('RDMA device (HCA) of each rail, in rail order, for NCCL_IB_HCA. @default mlx5_0, mlx5_1, ...'),
    addressPlan: z.strictObject({
      rails: cidr.describe('Block the per-rail secondary networks are carved from.'),
      pods: cidr.describe('Pod network.'),
      services: cidr.describe('Service network.'),
      storage: cidr.describe('Storage network.'),
    }),
    uplinks: z.array(uplinkSchema).default([]).describe('WAN links to research networks.'),
  }),
  storage: storageSchema,
  programmes: z
    .strictObject({
      academic: programmeQuotaSchema,
      industrial: programmeQuotaSchema,
      sme: programmeQuotaSchema,
    })
    .describe('GPU quotas per access programme.'),
  tenants: z
    .array(
      z.strictObject({
        name: dnsLabel().describe('Tenant; becomes its namespace.'),
        programme: z.enum(PROGRAMMES),
        group: z.string().min(1).describe("Identity-provider group bound to the tenant's namespaced role."),
        gpus: z.number().int().min(0).describe('GPU quota of the tenant.'),
        rails: z
          .boolean()
          .default(true)
          .describe(
            "Attach the site's rail networks for multi-node RDMA jobs: the tenant gets its own network per rail, in its namespace. @default true",
          ),
      }),
    )
    .default([]),
  acceptance: z
    .strictObject({
      // Each threshold overrides the fleet's acceptance value of the same name.
      ...acceptanceThresholdsSchema.partial().shape,
      signOff: z
        .strictObject({
          date: isoDate.describe('Day the Phase 1 acceptance results were signed (YYYY-MM-DD).'),
          report: z
            .string()
            .regex(/^https:\/\/\S+$/, { error: 'is not an https URL' })
            .describe('Where the signed acceptance results live.'),
        })
        .optional()
        .describe('Phase 1 acceptance sign-off; required before phase: 2.'),
    })
    .default({})
    .describe('Phase 1 thresholds (fleet acceptance values unless set here) and sign-off.'),
  monitoring: monitoringSchema.prefault({}),
  services: z
    .strictObject({
      inference: z
        .strictObject({
          enabled: z.boolean().describe('Serve models at this site.'),
          pool: dnsLabel().describe('Node pool that serves models.'),
          runtime: z.enum(['vllm']),
          domain: z
            .string()
            .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, { error: 'is not a DNS domain (allowed: e.g. inference.example.eu)' })
            .optional()
            .describe(
              'DNS domain of the model endpoints: <service>-<tenant>.<domain>, served over HTTPS by the site gateway. @default inference.<site id>.ai-factory.eu',
            ),
          tlsSecret: dnsLabel()
            .default('inference-tls')
            .describe(
              "Kubernetes Secret (type kubernetes.io/tls) in the gateway's namespace holding the certificate for *.<domain>; made by cert-manager or ops, never in config. @default inference-tls",
            ),
          shmGiB: z
            .number()
            .int()
            .min(1)
            .max(512)
            .default(16)
            .describe('In-memory /dev/shm of each model server, GiB (NCCL between the GPUs of a tensor-parallel server). @default 16'),
        })
        .optional(),
    })
    .default({}),
});

export const siteFileSchema = z.strictObject({
  $schema: z.string().optional(),
  country: z.enum(COUNTRIES).describe('ISO 3166-1 alpha-2 code; the file is sites/<cc>.yaml.'),
  sites: z.array(siteSchema).min(1),
});

export type FleetFile = z.output<typeof fleetFileSchema>;
export type SiteFile = z.output<typeof siteFileSchema>;
export type SiteConfig = z.output<typeof siteSchema>;
export type NodePoolConfig = z.output<typeof nodePoolSchema>;
export type ChartPin = z.output<typeof chartPinSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type AcceptanceThresholds = z.output<typeof acceptanceThresholdsSchema>;
