import { MIG_COMPUTE_SLICES_PER_GPU, MIG_MEMORY_SLICES_PER_GPU, migComputeSlices, migMemorySlices } from '../catalogue';
import type { Site } from '../model';
import { at, type Finding, type SiteRef } from './finding';

/** MIG layouts use profiles the pool's GPU supports and fit in one GPU. */
export function checkMig(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  site.nodePools.forEach((pool, i) => {
    const base = ['nodePools', i, 'mig'];
    const { strategy, profiles } = pool.mig;
    const supported = pool.gpu.migProfiles;
    if (strategy === 'none') {
      if (profiles && Object.keys(profiles).length > 0) {
        findings.push(at(ref, [...base, 'profiles'], 'is set but strategy is none (set strategy: single or mixed, or remove profiles)'));
      }
      return;
    }
    if (supported.length === 0) {
      findings.push(at(ref, [...base, 'strategy'], `"${strategy}" needs MIG, which ${pool.gpu.id} does not have (allowed: none)`));
      return;
    }
    const names = Object.keys(profiles ?? {});
    if (names.length === 0) {
      findings.push(
        at(ref, [...base, 'strategy'], `"${strategy}" needs a layout: add profiles (allowed for ${pool.gpu.id}: ${supported.join(', ')})`),
      );
      return;
    }
    for (const name of names) {
      if (!supported.includes(name)) {
        findings.push(
          at(ref, [...base, 'profiles', name], `"${name}" is not a MIG profile of ${pool.gpu.id} (allowed: ${supported.join(', ')})`),
        );
      }
    }
    if (strategy === 'single' && names.length > 1) {
      findings.push(
        at(ref, [...base, 'profiles'], `strategy single allows one profile per GPU, got ${names.join(', ')} (use strategy: mixed)`),
      );
    }
    const slices = names.reduce((sum, name) => sum + migComputeSlices(name) * (profiles?.[name] ?? 0), 0);
    if (slices > MIG_COMPUTE_SLICES_PER_GPU) {
      findings.push(at(ref, [...base, 'profiles'], `layout takes ${slices} compute slices, a GPU has ${MIG_COMPUTE_SLICES_PER_GPU}`));
    }
    // Memory is cut in eighths: seven 1g.20gb on an 80 GB GPU fit the compute but need 14 of 8.
    const memory = names.reduce((sum, name) => sum + migMemorySlices(name, pool.gpu.memoryGiB) * (profiles?.[name] ?? 0), 0);
    if (memory > MIG_MEMORY_SLICES_PER_GPU) {
      findings.push(
        at(
          ref,
          [...base, 'profiles'],
          `layout takes ${memory} memory slices (eighths of the ${pool.gpu.memoryGiB} GB), a GPU has ${MIG_MEMORY_SLICES_PER_GPU}`,
        ),
      );
    }
  });
  return findings;
}
