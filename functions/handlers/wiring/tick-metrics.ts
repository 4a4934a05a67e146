/** What the guard function records of each tick: metrics, trace annotations and one log line. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { levelRank } from '../../domain/state.ts';
import type { TickResult } from '../../use-cases/types.ts';
import type { Observability } from './observability.ts';

/** How many metrics a tick adds (each dimension value is a billed metric). */
export type MetricsMode = 'essential' | 'aggregate' | 'per-account' | 'off';

/** Metrics without an account dimension by default: each dimension value is a billed metric. */
export function recordTick(o: Observability, mode: MetricsMode, r: TickResult): void {
  const m = o.metrics;
  if (mode !== 'off') {
    if (mode === 'per-account') m.addDimension('account', r.accountId);
    // `essential` (the default) keeps the fixed bill down to one metric: the level, 0–3.
    if (r.status !== 'UNKNOWN') m.addMetric('Level', MetricUnit.NoUnit, levelRank(r.level));
    if (mode !== 'essential') {
      m.addMetric('Ticks', MetricUnit.Count, 1);
      if (r.marginRatio !== null) m.addMetric('MarginRatio', MetricUnit.NoUnit, r.marginRatio);
      if (r.drawdownPct !== null) m.addMetric('DrawdownPct', MetricUnit.Percent, r.drawdownPct);
      m.addMetric('Actions', MetricUnit.Count, r.tripId !== null ? 1 : 0);
    }
  }
  if (o.tracer.isTraceSampled()) {
    o.tracer.putAnnotation('account', r.accountId);
    o.tracer.putAnnotation('status', r.status);
  }
  o.log.info('tick', {
    status: r.status,
    level: r.level,
    previousLevel: r.previousLevel,
    halted: r.halted,
    paused: r.paused,
    marginRatio: r.marginRatio,
    drawdownPct: r.drawdownPct,
    actions: r.actions,
    reasons: r.reasons,
    alertsSent: r.alertsSent,
    tripId: r.tripId,
    residuals: r.residuals,
  });
}
