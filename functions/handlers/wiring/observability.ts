/** Powertools logger, metrics and tracer of one function, and the handler wrapper that uses them. */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../ports.ts';
import { redactText, redactValue } from '../../redact.ts';
import { redactedError } from './redaction.ts';

/** Logger, metrics and tracer of one function; every log line goes through functions/redact.ts. */
export interface Observability {
  logger: PowertoolsLogger;
  metrics: Metrics;
  tracer: Tracer;
  /** The ports.Logger the use cases receive: structured, redacted. */
  log: Logger;
}

export function observability(serviceName: string): Observability {
  const logger = new PowertoolsLogger({ serviceName });
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) =>
    data === undefined
      ? logger[level](redactText(msg))
      : logger[level](redactText(msg), redactValue(data) as Record<string, never>);
  return {
    logger,
    metrics: new Metrics({ namespace: 'riskguard', serviceName }),
    tracer: new Tracer({ serviceName }),
    log: { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') },
  };
}

/**
 * Wraps a handler: Lambda context in every log line, a `## handler` trace subsegment when the
 * invocation is sampled (Lambda decides: active tracing samples, it does not trace every request),
 * metrics flushed, per-invocation log keys cleared, failures logged (redacted) and re-thrown so
 * the Lambda Errors metric (and its alarm) sees them.
 */
export function instrumented<E, R>(o: Observability, fn: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    o.logger.addContext(context);
    const parent = o.tracer.isTracingEnabled() ? o.tracer.getSegment() : undefined;
    const sub = parent?.addNewSubsegment('## handler');
    if (sub) {
      o.tracer.setSegment(sub);
      o.tracer.annotateColdStart();
      o.tracer.addServiceNameAnnotation();
    }
    try {
      return await fn(event, context);
    } catch (err) {
      o.log.error('invocation failed', { error: err });
      if (sub && err instanceof Error) o.tracer.addErrorAsMetadata(err);
      // The runtime logs what a handler throws, message and stack: rethrow it redacted.
      throw redactedError(err);
    } finally {
      if (o.metrics.hasStoredMetrics()) o.metrics.publishStoredMetrics();
      o.logger.resetKeys();
      sub?.close();
      if (parent) o.tracer.setSegment(parent);
    }
  };
}
