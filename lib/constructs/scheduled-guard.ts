import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ScheduledGuardProps {
  /** The account id the guard receives as `{"accountId": "..."}`. */
  readonly accountId: string;
  readonly guard: lambda.IFunction;
  /** @default 1 (EventBridge Scheduler's floor) */
  readonly everyMinutes?: number;
  /** Invocations the Scheduler could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly group?: scheduler.IScheduleGroup;
}

/**
 * One guarded account: an EventBridge Scheduler schedule (rate, flexible window off, so ticks
 * are on time) that invokes the guard with the account id. No retries: a late tick is worth
 * less than the next one, due a minute later; what cannot be delivered goes to the DLQ.
 */
export class ScheduledGuard extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ScheduledGuardProps) {
    super(scope, id);
    const minutes = props.everyMinutes ?? 1;
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `riskguard: guard account ${props.accountId} every ${minutes} min`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(minutes)),
      timeWindow: scheduler.TimeWindow.off(),
      ...(props.group ? { scheduleGroup: props.group } : {}),
      target: new targets.LambdaInvoke(props.guard, {
        input: scheduler.ScheduleTargetInput.fromObject({ accountId: props.accountId }),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }
}
