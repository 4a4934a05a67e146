import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseVenueArg } from '../../paper/cli.ts';
import * as z from 'zod';
import { ConfigError } from '../errors.ts';
import type { HumanAct } from '../use-cases/admin.ts';
import { formatIssues } from '../validation.ts';

/** --table/--region/--db-path: the deployed table, or the local state folder; --topic-arn where alerts are sent. */
export function storeOptions(cmd: Command, opts: { alerts?: boolean } = {}): Command {
  cmd
    .option('--table <name>', 'the deployed DynamoDB table (uses your AWS credentials)')
    .option('--region <region>', opts.alerts ? 'AWS region of --table and --topic-arn' : 'AWS region of --table')
    .option('--db-path <dir>', 'local state folder (default ./.riskguard/db)');
  if (opts.alerts) cmd.option('--topic-arn <arn>', 'also send alerts to the deployed SNS topic (stack output AlertTopicArn)', parseTopicArn);
  return cmd;
}

// SNS topic ARN: arn:<partition>:sns:<region>:<12-digit account>:<name, 1–256 of A-Za-z0-9_- , .fifo allowed>
// (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)
const TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** --topic-arn, checked before anything runs: a typo is bad input (exit 2), not a failed alert later. */
export function parseTopicArn(v: string): string {
  if (!TOPIC_ARN.test(v)) {
    throw new InvalidArgumentError(`--topic-arn must be an SNS topic ARN like arn:aws:sns:ap-northeast-1:123456789012:riskguard-alerts (stack output AlertTopicArn), got "${v}"`);
  }
  return v;
}

/**
 * --venue of `paper`, `demo` and `replay`: the venue the paper exchange speaks. One without a
 * paper dialect yet (hyperliquid, orderly, bybit, okx) or an unknown one is bad input (exit 2),
 * refused while the arguments are parsed, before anything starts.
 */
export function venueOption(): Option {
  return new Option('--venue <venue>', 'the venue the paper exchange speaks: binanceusdm|hyperliquid|orderly|bybit|okx (one with a paper dialect)')
    .default('binanceusdm')
    .argParser((v: string) => {
      try {
        return parseVenueArg(v);
      } catch (err) {
        // A ConfigError, not commander's InvalidArgumentError: one line ("riskguard: …"), no usage hint.
        throw new ConfigError(`--venue: ${(err as Error).message}`, { cause: err });
      }
    });
}

/** --config/--topic-arn of a human act: whose notifiers alert it, and which accounts it may name. */
export function actOptions(cmd: Command): Command {
  return storeOptions(cmd, { alerts: true }).option('--config <file>', 'riskguard.config.json: the account must be configured there, and the act is alerted through its channels');
}

const HumanActSchema = z.object({
  account: z.string().min(1, 'is required'),
  by: z.string().trim().min(1, 'must name who acts'),
  reason: z.string().trim().min(3, 'must say why (at least 3 characters)'),
});

/** --account/--by/--reason of a human act (rearm, pause, resume, close-all), checked before anything runs. */
export function parseHumanAct(opts: unknown): HumanAct {
  const r = HumanActSchema.safeParse(opts);
  if (!r.success) {
    throw new ConfigError(
      `invalid options:\n${formatIssues(r.error).replaceAll('  account', '  --account').replaceAll('  by', '  --by').replaceAll('  reason', '  --reason')}`,
    );
  }
  return { accountId: r.data.account, by: r.data.by, reason: r.data.reason };
}
