import { compliant, judge, notApplicable, type PolicyRule } from './policy';

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Helm releases name an exact chart version from the pinned list. */
export const chartPinned: PolicyRule = {
  id: 'chart-pinned',
  mirrors: 'Checkov CKV_TF_1 (pinned sources), applied to Helm charts',
  fix: 'pin the chart to an exact version in config/fleet.yaml charts',
  check({ type, config }) {
    if (type !== 'helm_release') return notApplicable;
    const version = config.version as string | undefined;
    if (version && EXACT_VERSION.test(version)) return compliant;
    return judge([`release ${config.name} of chart ${config.chart} has version "${version ?? ''}"`]);
  },
};
