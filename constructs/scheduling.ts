import { Construct } from 'constructs';
import type { ChartPin, Site } from '../config';
import { OperatorRelease } from './operator-release';

export interface KueueProps {
  readonly site: Site;
  /** The pinned kueue chart. */
  readonly chart: ChartPin;
}

/**
 * Kueue: job queueing, quotas per programme and topology-aware placement. Its flavours and
 * queues live in the platform stack.
 * @see https://kueue.sigs.k8s.io/docs/installation/
 */
export class Kueue extends Construct {
  readonly operator: OperatorRelease;

  constructor(scope: Construct, id: string, props: KueueProps) {
    super(scope, id);
    this.operator = new OperatorRelease(this, 'operator', {
      siteId: props.site.id,
      pin: props.chart,
      values: { enablePrometheus: true },
    });
  }
}
