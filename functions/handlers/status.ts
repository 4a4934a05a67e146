/**
 * Read-only "may I trade?" for trading agents, behind a Lambda function URL with AWS_IAM auth:
 * `GET <url>?account=main` → level, halted, paused, reasons, lastTickAt; `POST` with
 * `{"tool": "get_status" | "check_order" | "max_order_size", "arguments": {…}}` → the agent
 * contract (functions/agent/contract.ts); invoked by an MCP gateway (AgentCore Lambda target),
 * the same tools. It cannot disarm or re-arm anything: its role may only
 * read the table and append to the agents' audit log partitions.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { answerGatewayTool, answerTool, gatewayToolName } from '../agent/cloud.ts';
import { AgentService } from '../agent/service.ts';
import { staleAfterMs } from './deployed-config.ts';
import { tradeStatus } from '../domain/trade-status.ts';
import { instrumented } from './wiring/observability.ts';
import { statusRuntime } from './wiring/status-runtime.ts';

const rt = statusRuntime();
const agents = new AgentService({
  ...rt,
  account: (id) => {
    const a = rt.find(id);
    return a && { id, policy: a.policy, staleAfterMs: staleAfterMs(a), exchange: null };
  },
});
const QuerySchema = z.object({ account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const reply = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

export const handler = instrumented(rt.o, async (event: APIGatewayProxyEventV2, context): Promise<APIGatewayProxyResultV2 | unknown> => {
  const tool = event.requestContext ? null : gatewayToolName(context);
  if (tool !== null) return answerGatewayTool(agents, tool, event);
  if (event.requestContext?.http?.method === 'POST') {
    const r = await answerTool(agents, event.body, event.isBase64Encoded);
    return reply(r.statusCode, r.body);
  }
  const query = QuerySchema.safeParse(event.queryStringParameters ?? {});
  if (!query.success) return reply(400, { error: 'give the account id: ?account=ID' });
  const account = rt.find(query.data.account);
  if (!account) return reply(404, { error: `no account "${query.data.account}" in this deployment` });
  const state = await rt.store.get(account.config.id);
  return reply(200, tradeStatus(account.config.id, state, rt.clock.now(), staleAfterMs(account)));
});
