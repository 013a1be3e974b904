/**
 * Hardware catalogue: the GPU and NIC models a site may name in its node pools.
 *
 * Figures are per GPU, dense (no structured sparsity), from the vendor datasheets cited beside
 * each entry. Capacity reports and power checks read them; nothing else hard-codes a GPU figure.
 */

/** GPU vendors; the fleet's GPU layer drives NVIDIA hardware through the NVIDIA GPU Operator. */
export type GpuVendor = 'nvidia' | 'amd';

export interface GpuSpec {
  /** Catalogue id, as written in `nodePools[].gpu`. */
  readonly id: string;
  readonly vendor: GpuVendor;
  /** Marketing name, for reports. */
  readonly name: string;
  /** FP64 vector throughput, TFLOP/s. */
  readonly fp64Tflops: number;
  /** FP64 tensor/matrix throughput, TFLOP/s (0 where the GPU has no FP64 tensor path). */
  readonly fp64TensorTflops: number;
  /** BF16 dense tensor throughput, TFLOP/s. */
  readonly bf16DenseTflops: number;
  /** FP8 dense tensor throughput, TFLOP/s. */
  readonly fp8DenseTflops: number;
  /** Device memory, GiB as marketed (GB on the datasheet). */
  readonly memoryGiB: number;
  /** Device memory bandwidth, TB/s. */
  readonly memoryBandwidthTBps: number;
  /** Thermal design power (maximum board power), W. */
  readonly tdpW: number;
  /**
   * What a healthy GPU sustains, as fractions of the datasheet: a large BF16 GEMM, and a device
   * copy (read plus write bytes over time). Acceptance thresholds are set below these, never at peak.
   */
  readonly sustained: {
    readonly bf16Fraction: number;
    readonly copyFraction: number;
    /** True only once our own checks have measured the fractions on delivered hardware. */
    readonly measured: boolean;
  };
  /** MIG profiles the GPU supports, by name; empty where the GPU has no MIG. */
  readonly migProfiles: readonly string[];
  /** PCI vendor and device id (hex, as NFD reports them), from the PCI ID Repository (pci-ids.ucw.cz). */
  readonly pci: { readonly vendor: string; readonly device: string };
  /** Text in the name `nvidia-smi --query-gpu=name` prints for this model, for inventory checks. */
  readonly smiName: string;
  /**
   * GPUs one scale-up fabric (NVLink, AMD Infinity Fabric) joins in the system this GPU ships in:
   * the 8 of an HGX/DGX board, the 72 of a GB200 NVL72 rack, 1 for a PCIe card without a bridge.
   * Where it exceeds a node's GPUs the domain spans nodes, and jobs can ask to stay inside one.
   */
  readonly scaleUpDomainGpus: number;
}

export interface NicSpec {
  readonly id: string;
  readonly name: string;
  /** Line rate per port, Gb/s. */
  readonly portGbps: number;
  /** Link layers the card speaks. */
  readonly fabrics: readonly ('infiniband' | 'roce')[];
  /** Typical power, W. */
  readonly powerW: number;
}

/** Compute slices a MIG profile takes, read from its name ("3g.40gb" takes 3 of 7). */
export function migComputeSlices(profile: string): number {
  const match = /^(\d+)g\./.exec(profile);
  return match ? Number(match[1]) : Number.NaN;
}

// Sustained fractions are published reference figures, not measurements of ours (the H200's:
// about 790 TFLOP/s on a large BF16 GEMM, 80% of 989; about 4.3 TB/s device copy, 90% of 4.8).
// All are measured: false until a site's gpu-perf check measures them; replace them then.

/** Compute slices in one GPU that MIG can hand out (A100/H100/H200/B200/GB200 alike). */
export const MIG_COMPUTE_SLICES_PER_GPU = 7;
/** Memory slices of a MIG-capable GPU: its memory in eighths (NVIDIA MIG User Guide, "Terminology"). */
export const MIG_MEMORY_SLICES_PER_GPU = 8;

/**
 * Memory slices of a MIG profile on a GPU: the `<memory>gb` of `<n>g.<memory>gb` in eighths of the
 * GPU's memory (1g.10gb on an 80 GB H100 is one, 1g.20gb two; 1g.23gb on a 180 GB B200 is one).
 */
export function migMemorySlices(profile: string, gpuMemoryGiB: number): number {
  const match = /^\d+g\.(\d+)gb/.exec(profile);
  return match ? Math.round(Number(match[1]) / (gpuMemoryGiB / MIG_MEMORY_SLICES_PER_GPU)) : Number.NaN;
}

export const GPUS = {
  // NVIDIA H100 Tensor Core GPU datasheet (SXM column), nvidia.com/en-us/data-center/h100;
  // MIG profiles: NVIDIA MIG User Guide, "H100 MIG Profiles".
  'H100-SXM-80GB': {
    id: 'H100-SXM-80GB',
    vendor: 'nvidia',
    name: 'NVIDIA H100 SXM 80GB',
    fp64Tflops: 34,
    fp64TensorTflops: 67,
    bf16DenseTflops: 989,
    fp8DenseTflops: 1979,
    memoryGiB: 80,
    memoryBandwidthTBps: 3.35,
    tdpW: 700,
    sustained: { bf16Fraction: 0.75, copyFraction: 0.85, measured: false },
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
    pci: { vendor: '10de', device: '2330' },
    smiName: 'H100 80GB HBM3',
    scaleUpDomainGpus: 8,
  },
  // NVIDIA H200 Tensor Core GPU datasheet (H200 SXM column), nvidia.com/en-us/data-center/h200;
  // MIG profiles: NVIDIA MIG User Guide, "H200 MIG Profiles".
  'H200-SXM-141GB': {
    id: 'H200-SXM-141GB',
    vendor: 'nvidia',
    name: 'NVIDIA H200 SXM 141GB',
    fp64Tflops: 34,
    fp64TensorTflops: 67,
    bf16DenseTflops: 989,
    fp8DenseTflops: 1979,
    memoryGiB: 141,
    memoryBandwidthTBps: 4.8,
    tdpW: 700,
    sustained: { bf16Fraction: 0.8, copyFraction: 0.9, measured: false },
    migProfiles: ['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'],
    pci: { vendor: '10de', device: '2335' },
    smiName: 'H200',
    scaleUpDomainGpus: 8,
  },
  // NVIDIA DGX B200 datasheet (system figures divided by its 8 GPUs; sparse figures halved);
  // MIG profiles: NVIDIA MIG User Guide, "B200 MIG Profiles".
  'B200-SXM-180GB': {
    id: 'B200-SXM-180GB',
    vendor: 'nvidia',
    name: 'NVIDIA B200 SXM 180GB',
    fp64Tflops: 37,
    fp64TensorTflops: 37,
    bf16DenseTflops: 2250,
    fp8DenseTflops: 4500,
    memoryGiB: 180,
    memoryBandwidthTBps: 7.7,
    tdpW: 1000,
    sustained: { bf16Fraction: 0.7, copyFraction: 0.85, measured: false },
    migProfiles: ['1g.23gb', '1g.45gb', '2g.45gb', '3g.90gb', '4g.90gb', '7g.180gb'],
    pci: { vendor: '10de', device: '2901' },
    smiName: 'B200',
    scaleUpDomainGpus: 8,
  },
  // NVIDIA GB200 NVL72 datasheet (rack figures divided by its 72 Blackwell GPUs; sparse halved;
  // "a 72-GPU NVLink domain that acts as a single, massive GPU"); MIG profiles: NVIDIA MIG User
  // Guide, "GB200 MIG Profiles".
  'GB200-NVL72': {
    id: 'GB200-NVL72',
    vendor: 'nvidia',
    name: 'NVIDIA GB200 (NVL72 compute tray GPU)',
    fp64Tflops: 45,
    fp64TensorTflops: 45,
    bf16DenseTflops: 2500,
    fp8DenseTflops: 5000,
    memoryGiB: 186,
    memoryBandwidthTBps: 8,
    tdpW: 1200,
    sustained: { bf16Fraction: 0.7, copyFraction: 0.85, measured: false },
    migProfiles: ['1g.23gb', '1g.47gb', '2g.47gb', '3g.93gb', '4g.93gb', '7g.186gb'],
    pci: { vendor: '10de', device: '2941' },
    smiName: 'GB200',
    scaleUpDomainGpus: 72,
  },
  // AMD Instinct MI300X datasheet (peak, without sparsity), amd.com/en/products/accelerators/instinct/mi300/mi300x.
  // AMD compute partitioning (CPX/NPS) is not MIG, hence no MIG profiles.
  MI300X: {
    id: 'MI300X',
    vendor: 'amd',
    name: 'AMD Instinct MI300X',
    fp64Tflops: 81.7,
    fp64TensorTflops: 163.4,
    bf16DenseTflops: 1307.4,
    fp8DenseTflops: 2614.9,
    memoryGiB: 192,
    memoryBandwidthTBps: 5.3,
    tdpW: 750,
    sustained: { bf16Fraction: 0.6, copyFraction: 0.8, measured: false },
    migProfiles: [],
    pci: { vendor: '1002', device: '74a1' },
    smiName: 'MI300X',
    scaleUpDomainGpus: 8,
  },
  // NVIDIA L40S datasheet, nvidia.com/en-us/data-center/l40s (no FP64 tensor cores; FP64 runs at
  // 1/64 of the 91.6 TFLOP/s FP32 rate); the L40S has no MIG and no NVLink ("NVLink support: No").
  L40S: {
    id: 'L40S',
    vendor: 'nvidia',
    name: 'NVIDIA L40S',
    fp64Tflops: 1.4,
    fp64TensorTflops: 0,
    bf16DenseTflops: 362,
    fp8DenseTflops: 733,
    memoryGiB: 48,
    memoryBandwidthTBps: 0.864,
    tdpW: 350,
    sustained: { bf16Fraction: 0.65, copyFraction: 0.85, measured: false },
    migProfiles: [],
    pci: { vendor: '10de', device: '26b9' },
    smiName: 'L40S',
    scaleUpDomainGpus: 1,
  },
} as const satisfies Record<string, GpuSpec>;

export const NICS = {
  // NVIDIA ConnectX-7 product brief: NDR 400Gb/s InfiniBand or 400GbE, single port OSFP.
  'ConnectX-7-400G': {
    id: 'ConnectX-7-400G',
    name: 'NVIDIA ConnectX-7 400G',
    portGbps: 400,
    fabrics: ['infiniband', 'roce'],
    powerW: 25,
  },
  // NVIDIA ConnectX-7 product brief: HDR 200Gb/s / 200GbE variant.
  'ConnectX-7-200G': {
    id: 'ConnectX-7-200G',
    name: 'NVIDIA ConnectX-7 200G',
    portGbps: 200,
    fabrics: ['infiniband', 'roce'],
    powerW: 20,
  },
  // NVIDIA ConnectX-8 SuperNIC datasheet: XDR 800Gb/s InfiniBand or 800GbE.
  'ConnectX-8-800G': {
    id: 'ConnectX-8-800G',
    name: 'NVIDIA ConnectX-8 SuperNIC 800G',
    portGbps: 800,
    fabrics: ['infiniband', 'roce'],
    powerW: 35,
  },
} as const satisfies Record<string, NicSpec>;

/** A compute (rail) port of a system: its RDMA device and its host interface in each link mode. */
export interface RailPort {
  readonly hca: string;
  /** The interface in InfiniBand mode (IPoIB), where the vendor's guide names it. */
  readonly interface?: string;
  /** The interface when the port runs Ethernet (RoCE), where the vendor's guide names it. */
  readonly ethernetInterface?: string;
}

/** A GPU system as delivered: what a node of a pool is, from its vendor's user guide. */
export interface SystemProfile {
  readonly id: string;
  readonly name: string;
  readonly gpu: keyof typeof GPUS;
  readonly gpusPerNode: number;
  /** Physical CPU cores of the node (all sockets). */
  readonly cpuCores: number;
  /** Hardware threads per core as shipped (2 with Intel Hyper-Threading on, 1 on Arm Grace): the kubelet counts threads. */
  readonly threadsPerCore: number;
  /** System memory, GiB (GPU memory not included). */
  readonly memoryGiB: number;
  /**
   * The compute (rail) ports in rail order, GPU 0's first. Absent where the vendor's guide does not
   * fix the names (the site's railHcas and railInterfaces, or their defaults, apply).
   */
  readonly computePorts?: readonly RailPort[];
  /** Ports for storage and in-band management, not rails (never in NCCL_IB_HCA). */
  readonly otherPorts?: readonly string[];
  /** The user guide the figures come from. */
  readonly source: string;
}

// DGX H100/H200 User Guide, "Network Modules" (Table 6): the OSFP ports of the eight ConnectX-7
// compute NICs, one per GPU, with their default interface (ibp… in InfiniBand mode, enp…np0 in
// Ethernet mode) and RDMA names. The compute HCAs are not
// contiguous: mlx5_1, mlx5_2, mlx5_7 and mlx5_8 are the storage and in-band ConnectX-7 ports.
const DGX_HOPPER_PORTS: readonly RailPort[] = [
  { hca: 'mlx5_0', interface: 'ibp24s0', ethernetInterface: 'enp24s0np0' },
  { hca: 'mlx5_3', interface: 'ibp64s0', ethernetInterface: 'enp64s0np0' },
  { hca: 'mlx5_4', interface: 'ibp79s0', ethernetInterface: 'enp79s0np0' },
  { hca: 'mlx5_5', interface: 'ibp94s0', ethernetInterface: 'enp94s0np0' },
  { hca: 'mlx5_6', interface: 'ibp154s0', ethernetInterface: 'enp154s0np0' },
  { hca: 'mlx5_9', interface: 'ibp192s0', ethernetInterface: 'enp192s0np0' },
  { hca: 'mlx5_10', interface: 'ibp206s0', ethernetInterface: 'enp206s0np0' },
  { hca: 'mlx5_11', interface: 'ibp220s0', ethernetInterface: 'enp220s0np0' },
];

/** The DGX H100/H200 chassis: everything but the GPU model. */
const DGX_HOPPER = {
  gpusPerNode: 8,
  cpuCores: 112,
  threadsPerCore: 2,
  memoryGiB: 2048,
  computePorts: DGX_HOPPER_PORTS,
  otherPorts: ['mlx5_1', 'mlx5_2', 'mlx5_7', 'mlx5_8'],
  source: 'https://docs.nvidia.com/dgx/dgxh100-user-guide/introduction-to-dgxh100.html',
} as const;

export const SYSTEMS = {
  // NVIDIA DGX H100/H200 User Guide, "Hardware Overview": 2x Intel Xeon Platinum 8480C (56 cores
  // each, 2 threads per core with Hyper-Threading), 2 TB memory, 8 H100 SXM; "Network Modules" for
  // the ports. The inventory check confirms the threads on delivered nodes (allocatable CPUs).
  'DGX-H100': { ...DGX_HOPPER, id: 'DGX-H100', name: 'NVIDIA DGX H100', gpu: 'H100-SXM-80GB' },
  // The same chassis and network modules with H200 GPUs (DGX H100/H200 User Guide).
  'DGX-H200': { ...DGX_HOPPER, id: 'DGX-H200', name: 'NVIDIA DGX H200', gpu: 'H200-SXM-141GB' },
  // NVIDIA DGX B200 User Guide, "Hardware Overview": 2x Intel Xeon Platinum 8570 (56 cores each),
  // 2 TB memory (up to 4 TB), 8 B200; port names vary with the OS image, so the site names them.
  'DGX-B200': {
    id: 'DGX-B200',
    name: 'NVIDIA DGX B200',
    gpu: 'B200-SXM-180GB',
    gpusPerNode: 8,
    cpuCores: 112,
    threadsPerCore: 2,
    memoryGiB: 2048,
    source: 'https://docs.nvidia.com/dgx/dgxb200-user-guide/introduction-to-dgxb200.html',
  },
  // NVIDIA GB200 NVL72 datasheet: each compute tray holds two GB200 superchips, i.e. 2 Grace CPUs
  // (72 Arm Neoverse V2 cores each, one thread per core) with 480 GB LPDDR5X each, and 4 Blackwell
  // GPUs; 18 trays form one 72-GPU NVLink domain.
  'GB200-NVL72-tray': {
    id: 'GB200-NVL72-tray',
    name: 'NVIDIA GB200 NVL72 compute tray',
    gpu: 'GB200-NVL72',
    gpusPerNode: 4,
    cpuCores: 144,
    threadsPerCore: 1,
    memoryGiB: 894,
    source: 'https://www.nvidia.com/en-us/data-center/gb200-nvl72/',
  },
  // NVIDIA's DGX GB200 tray: the GB200 NVL72 tray above, with the ports of NVIDIA Mission Control's
  // North-South network deployment guide ("GB200 Compute Tray" table): the four ConnectX-7 OSFP
  // cluster ports are mlx5_0, mlx5_1 (left bay) and mlx5_4, mlx5_5 (right bay); the BlueField-3
  // storage and in-band ports sit between them (mlx5_2, mlx5_3 left; mlx5_6, mlx5_7 right). The
  // guide names no interfaces, so the site's railInterfaces or the defaults apply. Other vendors'
  // trays number their ports differently: they use GB200-NVL72-tray and the site's railHcas.
  'DGX-GB200-tray': {
    id: 'DGX-GB200-tray',
    name: 'NVIDIA DGX GB200 compute tray',
    gpu: 'GB200-NVL72',
    gpusPerNode: 4,
    cpuCores: 144,
    threadsPerCore: 1,
    memoryGiB: 894,
    computePorts: [{ hca: 'mlx5_0' }, { hca: 'mlx5_1' }, { hca: 'mlx5_4' }, { hca: 'mlx5_5' }],
    otherPorts: ['mlx5_2', 'mlx5_3', 'mlx5_6', 'mlx5_7'],
    source:
      'https://docs.nvidia.com/mission-control/docs/ext-north-south-network-gb200-deploy-guide/2.3.0/ext-north-south-network-gb200-intro.html',
  },
} as const satisfies Record<string, SystemProfile>;

export type GpuId = keyof typeof GPUS;
export type NicId = keyof typeof NICS;
export type SystemId = keyof typeof SYSTEMS;
export const GPU_IDS = Object.keys(GPUS) as [GpuId, ...GpuId[]];
export const NIC_IDS = Object.keys(NICS) as [NicId, ...NicId[]];
export const SYSTEM_IDS = Object.keys(SYSTEMS) as [SystemId, ...SystemId[]];

/**
 * Share of installed memory the kernel reports (MemTotal, the kubelet's capacity): firmware, the
 * crash kernel and early reservations keep a few percent, so quotas never count nameplate memory.
 */
export const KERNEL_VISIBLE_MEMORY = 0.97;

/**
 * CPUs (as the kubelet counts them) and memory assumed per GPU of a node whose pool names no system
 * and states neither: a DGX H100's 112 physical cores and 2 TiB over its 8 GPUs, without the
 * second threads, so the queues stay on the low side (a 4-GPU L40S server: 56 CPUs, 1 TiB).
 */
export const GUESSED_PER_GPU = { cpus: 14, memoryGiB: 256 } as const;
