/**
 * Read-only "may I trade?" for trading agents, behind a Lambda function URL with AWS_IAM auth:
 * `GET <url>?account=main` → level, halted, paused, reasons, lastTickAt. It cannot disarm or
 * re-arm anything: its role may only read the table.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { staleAfterMs } from './deployed-config.ts';
import { tradeStatus } from './status-view.ts';
import { instrumented, statusRuntime } from './wiring.ts';

const rt = statusRuntime();
const QuerySchema = z.object({ account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const reply = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

export const handler = instrumented(rt.o, async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  const query = QuerySchema.safeParse(event.queryStringParameters ?? {});
  if (!query.success) return reply(400, { error: 'give the account id: ?account=ID' });
  const account = rt.find(query.data.account);
  if (!account) return reply(404, { error: `no account "${query.data.account}" in this deployment` });
  const state = await rt.store.get(account.config.id);
  return reply(200, tradeStatus(account.config.id, state, rt.clock.now(), staleAfterMs(account)));
});
