/** The containers of the workloads we create as manifests (Jobs, CronJobs, serving runtimes). */
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}

export interface Workload {
  readonly kind: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly containers: readonly Container[];
}

/** The workload in a kubernetes_manifest's manifest, or undefined when it runs no containers. */
export function workloadOf(type: string, config: Record<string, any>): Workload | undefined {
  if (type !== 'kubernetes_manifest') return undefined;
  const manifest = config.manifest as Record<string, any>;
  const podSpec = (() => {
    switch (manifest.kind) {
      case 'Job':
        return manifest.spec?.template?.spec;
      case 'CronJob':
        return manifest.spec?.jobTemplate?.spec?.template?.spec;
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
        return manifest.spec?.template?.spec;
      case 'ServingRuntime':
      case 'ClusterServingRuntime':
        return manifest.spec;
      default:
        return undefined;
    }
  })();
  if (!podSpec) return undefined;
  return {
    kind: manifest.kind,
    name: manifest.metadata?.name,
    labels: manifest.metadata?.labels ?? {},
    containers: [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])],
  };
}
