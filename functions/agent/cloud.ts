import { ConfigError } from '../errors.ts';
import { formatIssues } from '../validation.ts';
import { CloudRequestSchema } from './contract.ts';
import type { AgentService } from './service.ts';

/**
 * The agent contract on the status function's IAM URL: `POST` with
 * `{ "tool": "get_status" | "check_order" | "max_order_size", "arguments": { … } }` — the same
 * schemas and answers as the MCP tools, from the guard's last accepted snapshot (the function
 * cannot reach the venue, so `fresh` is refused) — and no write path but the audit entry.
 */
export async function answerTool(service: AgentService, body: string | undefined, base64: boolean): Promise<{ statusCode: number; body: unknown }> {
  let json: unknown;
  try {
    json = JSON.parse(base64 && body ? Buffer.from(body, 'base64').toString('utf8') : (body ?? ''));
  } catch {
    return { statusCode: 400, body: { error: 'the body must be JSON: {"tool": "check_order", "arguments": {…}}' } };
  }
  const req = CloudRequestSchema.safeParse(json);
  if (!req.success) return { statusCode: 400, body: { error: `invalid request:\n${formatIssues(req.error)}` } };
  try {
    const { tool, arguments: args } = req.data;
    const result =
      tool === 'get_status' ? await service.getStatus(args) : tool === 'check_order' ? await service.checkOrder(args) : await service.maxOrderSize(args);
    return { statusCode: 200, body: result };
  } catch (err) {
    if (err instanceof ConfigError) return { statusCode: /no account/.test(err.message) ? 404 : 400, body: { error: err.message } };
    throw err;
  }
}

/**
 * An MCP gateway's direct invocation (Amazon Bedrock AgentCore Gateway, Lambda target): the event
 * is the tool's arguments and the tool name arrives in the client context as
 * `<target>___<tool>`. Only the read-only tools are answered.
 */
export function gatewayToolName(context: unknown): string | null {
  const cc = (context as { clientContext?: { custom?: Record<string, unknown>; Custom?: Record<string, unknown> } } | undefined)?.clientContext;
  const name = cc?.custom?.bedrockAgentCoreToolName ?? cc?.Custom?.bedrockAgentCoreToolName;
  if (typeof name !== 'string') return null;
  const i = name.lastIndexOf('___');
  return i >= 0 ? name.slice(i + 3) : name;
}

export async function answerGatewayTool(service: AgentService, tool: string, args: unknown): Promise<unknown> {
  const r = await answerTool(service, JSON.stringify({ tool, arguments: args }), false);
  return r.body;
}
