/**
 * The numbers of the fleet report, per site and fleet-wide, from the resolved fleet model. Kept
 * apart from the page so that tests check them against the config without rendering anything.
 */
import { GPU_IDS, GPUS, type GpuId } from '../../config/catalogue';
import { poolGpus, siteBf16Pflops, siteFacilityPowerW, siteGpus, siteItPowerW, type Fleet, type Site } from '../../config/model';
import { PROGRAMMES, type AcceptanceThresholds, type Programme } from '../../config/schema';

/** Hours in a (non-leap) year: carbon is estimated at full load all year round. */
export const HOURS_PER_YEAR = 8760;

/** "Several hundred petaflops", as announced: its lower bound, PFLOP/s. */
export const ANNOUNCED_PFLOPS = 300;

/** A dated window, both days included (YYYY-MM-DD). */
export interface Window {
  readonly start: string;
  readonly end: string;
}

export interface Milestone extends Window {
  readonly name: string;
}

/** The mission's milestones, read as the quarters they name. */
export const MILESTONES: readonly Milestone[] = [
  { name: 'Q1 2026', start: '2026-01-01', end: '2026-03-31' },
  { name: 'Q3 2026', start: '2026-07-01', end: '2026-09-30' },
];

export const STORAGE_TIERS = ['scratch', 'datasets', 'checkpoints', 'object'] as const;
export type StorageTier = (typeof STORAGE_TIERS)[number];

/** Dense throughput, PFLOP/s. FP64 counts the tensor (matrix) units where a GPU has them, else its vector units. */
export interface Pflops {
  readonly bf16: number;
  readonly fp8: number;
  readonly fp64: number;
}

export interface SiteFigures {
  readonly id: string;
  readonly city: string;
  readonly country: string;
  readonly operator: string;
  readonly focus: readonly string[];
  readonly phase: 1 | 2;
  readonly schedule: { readonly phase1: Window; readonly phase2: Window };
  readonly signOff?: { readonly date: string; readonly report: string };
  /** GPUs by catalogue model, models the site does not have left out. */
  readonly gpusByModel: Partial<Record<GpuId, number>>;
  readonly gpus: number;
  readonly pflops: Pflops;
  /** Full load: IT power (GPUs at TDP plus node overhead), facility power (IT x PUE), budget; MW. */
  readonly power: { readonly itMW: number; readonly facilityMW: number; readonly budgetMW: number; readonly pue: number };
  /** Full load all year: facility energy and its emissions at the site's grid intensity. */
  readonly carbon: { readonly gridGPerKWh: number; readonly facilityMWhPerYear: number; readonly tCO2ePerYear: number };
  readonly storage: { readonly backend: string; readonly tiersTB: Record<StorageTier, number> };
  readonly fabric: { readonly fabric: 'infiniband' | 'roce'; readonly linkGbps: number; readonly railsPerNode: number };
  readonly uplinks: readonly { readonly name: string; readonly peer: string; readonly gbps: number }[];
  readonly programmes: Record<Programme, { readonly gpus: number; readonly borrowingLimitGpus: number; readonly subsidised: boolean }>;
  readonly tenants: readonly { readonly name: string; readonly programme: Programme; readonly gpus: number }[];
  readonly acceptance: AcceptanceThresholds;
}

export interface FleetTotals {
  readonly sites: number;
  readonly gpus: number;
  readonly gpusByModel: Partial<Record<GpuId, number>>;
  readonly pflops: Pflops;
  readonly itMW: number;
  readonly facilityMW: number;
  readonly budgetMW: number;
  readonly facilityMWhPerYear: number;
  readonly tCO2ePerYear: number;
  readonly storageTB: Record<StorageTier, number>;
  readonly wanGbps: number;
  readonly programmeGpus: Record<Programme, number>;
  readonly tenantGpus: Record<Programme, number>;
}

export interface FleetFigures {
  readonly name: string;
  readonly sites: readonly SiteFigures[];
  readonly totals: FleetTotals;
  /** Catalogue models the fleet has, in catalogue order. */
  readonly gpuModels: readonly GpuId[];
}

/** Per-GPU dense FP64 figure the report uses: the faster of the tensor and vector paths. */
export function gpuFp64Tflops(id: GpuId): number {
  return Math.max(GPUS[id].fp64TensorTflops, GPUS[id].fp64Tflops);
}

function sitePflops(site: Site): Pflops {
  const sum = (tflops: (id: GpuId) => number) =>
    site.nodePools.reduce((total, pool) => total + (poolGpus(pool) * tflops(pool.gpu.id as GpuId)) / 1000, 0);
  return { bf16: siteBf16Pflops(site), fp8: sum((id) => GPUS[id].fp8DenseTflops), fp64: sum(gpuFp64Tflops) };
}

export function siteFigures(site: Site): SiteFigures {
  const gpusByModel: Partial<Record<GpuId, number>> = {};
  for (const pool of site.nodePools) {
    const id = pool.gpu.id as GpuId;
    gpusByModel[id] = (gpusByModel[id] ?? 0) + poolGpus(pool);
  }
  const facilityMW = siteFacilityPowerW(site) / 1e6;
  const facilityMWhPerYear = facilityMW * HOURS_PER_YEAR;
  const { tiers } = site.storage;
  return {
    id: site.id,
    city: site.city,
    country: site.country,
    operator: site.operator,
    focus: site.focus,
    phase: site.phase,
    schedule: site.schedule,
    ...(site.acceptance.signOff ? { signOff: site.acceptance.signOff } : {}),
    gpusByModel,
    gpus: siteGpus(site),
    pflops: sitePflops(site),
    power: { itMW: siteItPowerW(site) / 1e6, facilityMW, budgetMW: site.energy.budgetMW, pue: site.energy.pue },
    // 1 MWh is 1000 kWh and 1 t is 10^6 g: t = MWh x (g/kWh) / 1000.
    carbon: {
      gridGPerKWh: site.energy.gridCarbonGPerKWh,
      facilityMWhPerYear,
      tCO2ePerYear: (facilityMWhPerYear * site.energy.gridCarbonGPerKWh) / 1000,
    },
    storage: {
      backend: site.storage.backend,
      tiersTB: { scratch: tiers.scratchTB, datasets: tiers.datasetsTB, checkpoints: tiers.checkpointsTB, object: tiers.objectTB },
    },
    fabric: { fabric: site.interconnect.fabric, linkGbps: site.interconnect.linkGbps, railsPerNode: site.interconnect.railsPerNode },
    uplinks: site.interconnect.uplinks.map(({ name, peer, gbps }) => ({ name, peer, gbps })),
    programmes: Object.fromEntries(
      PROGRAMMES.map((p) => {
        const quota = site.programmes[p];
        return [p, { gpus: quota.gpus, borrowingLimitGpus: quota.borrowingLimitGpus ?? 0, subsidised: quota.subsidised }];
      }),
    ) as SiteFigures['programmes'],
    tenants: site.tenants.map(({ name, programme, gpus }) => ({ name, programme, gpus })),
    acceptance: {
      ncclBusBwGBps: site.acceptance.ncclBusBwGBps,
      rdmaLinkGbps: site.acceptance.rdmaLinkGbps,
      storageReadGBps: site.acceptance.storageReadGBps,
      wanUplinkFraction: site.acceptance.wanUplinkFraction,
      dcgmDiagLevel: site.acceptance.dcgmDiagLevel,
      gpuPerformanceMargin: site.acceptance.gpuPerformanceMargin,
    },
  };
}

export function fleetFigures(fleet: Fleet): FleetFigures {
  const sites = fleet.sites.map(siteFigures);
  const sum = (value: (site: SiteFigures) => number) => sites.reduce((total, site) => total + value(site), 0);
  const byProgramme = (value: (site: SiteFigures, p: Programme) => number) =>
    Object.fromEntries(PROGRAMMES.map((p) => [p, sum((site) => value(site, p))])) as Record<Programme, number>;
  const gpuModels = GPU_IDS.filter((id) => sites.some((site) => site.gpusByModel[id] !== undefined));
  return {
    name: fleet.name,
    sites,
    gpuModels,
    totals: {
      sites: sites.length,
      gpus: sum((s) => s.gpus),
      gpusByModel: Object.fromEntries(gpuModels.map((id) => [id, sum((s) => s.gpusByModel[id] ?? 0)])),
      pflops: { bf16: sum((s) => s.pflops.bf16), fp8: sum((s) => s.pflops.fp8), fp64: sum((s) => s.pflops.fp64) },
      itMW: sum((s) => s.power.itMW),
      facilityMW: sum((s) => s.power.facilityMW),
      budgetMW: sum((s) => s.power.budgetMW),
      facilityMWhPerYear: sum((s) => s.carbon.facilityMWhPerYear),
      tCO2ePerYear: sum((s) => s.carbon.tCO2ePerYear),
      storageTB: Object.fromEntries(STORAGE_TIERS.map((tier) => [tier, sum((s) => s.storage.tiersTB[tier])])) as Record<
        StorageTier,
        number
      >,
      wanGbps: sum((s) => s.uplinks.reduce((total, u) => total + u.gbps, 0)),
      programmeGpus: byProgramme((site, p) => site.programmes[p].gpus),
      tenantGpus: byProgramme((site, p) => site.tenants.filter((t) => t.programme === p).reduce((total, t) => total + t.gpus, 0)),
    },
  };
}
