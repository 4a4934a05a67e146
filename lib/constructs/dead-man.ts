import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STATE_INDEX_NAME } from '../../functions/adapters/table-schema.ts';
import { watchdogPk } from '../../functions/handlers/watchdog-check.ts';
import { bindTable, bindTopic } from './bind.ts';
import { RiskguardFunction } from './riskguard-function.ts';

export interface DeadManSwitchProps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly deployedConfigFile: string;
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention?: logs.RetentionDays;
  readonly group?: scheduler.IScheduleGroup;
  /** The guarded account ids: the watchdog writes its memory items for these and nothing else. */
  readonly accountIds: readonly string[];
}

/** Sends an alarm's ALARM and OK transitions to the alert topic. */
export function notifyTopic(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  alarm.addOkAction(new cwActions.SnsAction(topic));
  return alarm;
}

/** A function's Errors in 2 of the last 3 minutes, to the topic (missing data: no invocation, no error). */
export function functionErrorsAlarm(
  scope: Construct,
  id: string,
  props: { fn: lambda.IFunction; description: string; topic: sns.ITopic },
): cloudwatch.Alarm {
  return notifyTopic(
    new cloudwatch.Alarm(scope, id, {
      alarmDescription: props.description,
      metric: props.fn.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    props.topic,
  );
}

/**
 * The dead-man's switch. A watchdog function runs every minute, reads every account's guard state
 * and alerts on the topic when an account has had no successful tick for two schedule periods
 * plus 30 s (functions/handlers/watchdog-check.ts). Its cost does not grow with accounts beyond a
 * few reads a minute each. Two CloudWatch alarms watch the watchdog itself: errors, and silence
 * (no invocation for three minutes, missing data counted as breaching).
 */
export class DeadManSwitch extends Construct {
  readonly watchdog: RiskguardFunction;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly silenceAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadManSwitchProps) {
    super(scope, id);
    this.watchdog = new RiskguardFunction(this, 'Watchdog', {
      name: 'watchdog',
      exchanges: [],
      deployedConfigFile: props.deployedConfigFile,
      memorySize: 256,
      timeout: Duration.seconds(40),
      onFailure: props.deadLetterQueue,
      tracing: 'pass-through',
      noTracingReason:
        'Runs every minute: active tracing would record about 43,200 traces a month ($0.22 at list price) of one index scan and a few queries. Its health is watched by the WatchdogErrors and WatchdogSilent alarms instead.',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    // Reads states (index scan, read only); reads and appends its own memory events, in its own
    // partitions (WATCHDOG#<id>): it cannot write a guard state or an account's audit log.
    bindTable(this.watchdog, props.table, ['listAccounts', 'events', 'put'], {
      indexName: STATE_INDEX_NAME,
      leadingKeys: props.accountIds.map(watchdogPk),
    });
    bindTopic(this.watchdog, props.topic);

    new scheduler.Schedule(this, 'EveryMinute', {
      description: 'riskguard: dead-man watchdog, every minute',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      timeWindow: scheduler.TimeWindow.off(),
      ...(props.group ? { scheduleGroup: props.group } : {}),
      target: new targets.LambdaInvoke(this.watchdog.fn, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });

    this.errorsAlarm = functionErrorsAlarm(this, 'WatchdogErrors', {
      fn: this.watchdog.fn,
      description: 'riskguard watchdog failed in 2 of the last 3 minutes: dead-man alerts may not be sent. Check the watchdog function logs.',
      topic: props.topic,
    });
    this.silenceAlarm = notifyTopic(
      new cloudwatch.Alarm(this, 'WatchdogSilent', {
        alarmDescription:
          'riskguard watchdog has not run for 3 minutes: nothing is checking that the guards tick. Check its EventBridge Scheduler schedule.',
        metric: this.watchdog.fn.metricInvocations({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      props.topic,
    );
  }
}
