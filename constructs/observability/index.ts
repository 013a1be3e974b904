export * from './gpu-accounting';
export * from './gpu-health-alerts';
export * from './monitoring-stack';
export * from './prometheus-rule';
