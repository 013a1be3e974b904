import { nvlinkDomainNodes, type Site } from '../model';
import { poolRails } from '../rails';
import { at, type Finding, type SiteRef } from './finding';

/**
 * A pool that names its system agrees with it (GPU model and count), and the rail lists agree with
 * the rail pools' systems: the same compute ports on every rail pool, enough of them for the rails,
 * and a site's own railHcas/railInterfaces naming those ports, never storage or in-band ones.
 */
export function checkSystems(site: Site, ref: SiteRef): Finding[] {
  const findings: Finding[] = [];
  const { railsPerNode, railHcas, railInterfaces } = site.interconnect;
  site.nodePools.forEach((pool, i) => {
    const system = pool.system;
    if (!system) return;
    if (system.gpu !== pool.gpu.id) {
      findings.push(at(ref, ['nodePools', i, 'gpu'], `"${pool.gpu.id}" is not the GPU of ${system.id} (allowed: ${system.gpu})`));
    }
    if (system.gpusPerNode !== pool.gpusPerNode) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'gpusPerNode'],
          `${pool.gpusPerNode} is not the GPU count of ${system.id} (allowed: ${system.gpusPerNode})`,
        ),
      );
    }
    const ports = system.computePorts;
    if (!ports || poolRails(pool, railsPerNode) === 0) return;
    if (ports.length < railsPerNode) {
      findings.push(
        at(ref, ['nodePools', i, 'system'], `${system.id} has ${ports.length} compute ports, the site has railsPerNode ${railsPerNode}`),
      );
    }
    const expect = (
      key: 'railHcas' | 'railInterfaces',
      given: readonly string[] | undefined,
      field: 'hca' | 'interface' | 'ethernetInterface',
    ) => {
      const wanted = ports.slice(0, railsPerNode).map((p) => p[field]);
      // Interfaces the vendor's guide does not name are the site's to choose.
      if (!given || wanted.some((name) => name === undefined)) return;
      if (given.join() === wanted.join()) return;
      const stray = given.filter((name) => system.otherPorts?.includes(name));
      findings.push(
        at(
          ref,
          ['interconnect', key],
          `${given.join(', ')} are not the compute ports of pool ${pool.name}'s ${system.id} in rail order (allowed: ${wanted.join(', ')}${
            stray.length
              ? `; ${stray.join(', ')} ${stray.length > 1 ? 'are storage or in-band ports' : 'is a storage or in-band port'}`
              : ''
          })`,
        ),
      );
    };
    expect('railHcas', railHcas, 'hca');
    expect('railInterfaces', railInterfaces, site.interconnect.fabric === 'roce' ? 'ethernetInterface' : 'interface');
  });
  // The kubelet's reservation must leave pods something on every node.
  site.nodePools.forEach((pool, i) => {
    if (pool.allocatable.cpus <= 0 || pool.allocatable.memoryGiB <= 0) {
      findings.push(
        at(
          ref,
          ['nodePools', i],
          `pool ${pool.name}: nodes of ${pool.cpusPerNode} CPUs and ${pool.memoryGiBPerNode} GiB leave pods nothing after the fleet's defaults.nodeReserved (allowed: nodes larger than what the kubelet reserves)`,
        ),
      );
    }
  });
  // A multi-node NVLink domain is one rack (an NVL72 rack's 18 trays): the racks hold whole domains,
  // so the rack labels and the GPU Feature Discovery clique labels describe the same groups.
  site.nodePools.forEach((pool, i) => {
    const domain = nvlinkDomainNodes(pool);
    if (domain === undefined) return;
    if (!Number.isInteger(domain)) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'gpusPerNode'],
          `${pool.gpusPerNode} GPUs per node do not divide ${pool.gpu.id}'s NVLink domain of ${pool.gpu.scaleUpDomainGpus} GPUs (allowed: a divisor, e.g. 4 per tray)`,
        ),
      );
      return;
    }
    if (pool.nodes !== pool.racks.count * domain) {
      findings.push(
        at(
          ref,
          ['nodePools', i, 'nodes'],
          `${pool.nodes} ${pool.gpu.id} nodes in ${pool.racks.count} racks: one NVLink domain is a rack of ${domain} nodes (${pool.gpu.scaleUpDomainGpus} GPUs), so the pool must be racks.count x ${domain} = ${pool.racks.count * domain} nodes (allowed: whole racks)`,
        ),
      );
    }
  });
  // Every rail pool whose system names its ports names the same ones: the site has one rail list.
  const named = site.nodePools.filter((p) => p.system?.computePorts && poolRails(p, railsPerNode) > 0);
  for (const pool of named.slice(1)) {
    const a = named[0].system!.computePorts!.map((p) => p.hca).join();
    if (pool.system!.computePorts!.map((p) => p.hca).join() !== a) {
      const i = site.nodePools.indexOf(pool);
      findings.push(
        at(
          ref,
          ['nodePools', i, 'system'],
          `${pool.system!.id} names other compute ports than pool ${named[0].name}'s ${named[0].system!.id}; the rails are one list per site (allowed: systems with the same ports, or separate sites)`,
        ),
      );
    }
  }
  return findings;
}
