/**
 * A local HTTP server on 127.0.0.1 standing in for the chat APIs at their real paths and with
 * their real answers (see functions/adapters/chat-notifiers.ts for each API's documentation):
 * - Telegram: POST /bot{token}/sendMessage, JSON { chat_id, text } → { ok: true, result: { message_id } }
 * - Discord:  POST /api/webhooks/{id}/{token}, JSON { content } → 204 No Content
 * - Slack:    POST /services/{T}/{B}/{secret}, JSON { text } → 200 "ok"
 * - ntfy:     POST /{topic}, text body, Title/Priority/Tags headers → 200 { id, event: "message", … }
 * `failNext(pathPrefix, answers)` makes the next requests under a path answer with the given
 * status codes first (Telegram/Discord/Slack/ntfy-shaped error bodies).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown> | null;
}

export interface ChatApis {
  url: string;
  requests: ChatRequest[];
  /** The next `statuses.length` requests whose path starts with `prefix` answer these statuses. */
  failNext(prefix: string, statuses: number[]): void;
  close(): Promise<void>;
}

export const TELEGRAM_TOKEN = '123456:ABC-test-token-DEF';
export const DISCORD_PATH = '/api/webhooks/111222333/discord-secret-token';
export const SLACK_PATH = '/services/T0001/B0001/slacksecretXYZ';
export const NTFY_PATH = '/riskguard-test-topic';

function errorBody(path: string, status: number): { type: string; body: string } {
  if (path.startsWith('/bot')) {
    const description = status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests: retry after 1' : 'Internal Server Error';
    return { type: 'application/json', body: JSON.stringify({ ok: false, error_code: status, description, ...(status === 429 ? { parameters: { retry_after: 1 } } : {}) }) };
  }
  if (path.startsWith('/api/webhooks')) {
    return { type: 'application/json', body: JSON.stringify(status === 429 ? { message: 'You are being rate limited.', retry_after: 0.5, global: false } : { message: status === 404 ? 'Unknown Webhook' : '500: Internal Server Error', code: status === 404 ? 10015 : 0 }) };
  }
  if (path.startsWith('/services')) return { type: 'text/plain', body: status === 404 ? 'no_service' : status === 403 ? 'action_prohibited' : 'rollup_error' };
  return { type: 'application/json', body: JSON.stringify({ code: status * 100, http: status, error: status === 403 ? 'forbidden' : 'internal server error' }) };
}

export async function startChatApis(): Promise<ChatApis> {
  const requests: ChatRequest[] = [];
  const failures: { prefix: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '/';
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = null;
      }
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, json });
      const f = failures.findIndex((x) => path.startsWith(x.prefix));
      if (f >= 0) {
        const { status } = failures.splice(f, 1)[0]!;
        const e = errorBody(path, status);
        res.writeHead(status, { 'content-type': e.type, ...(status === 429 && path.startsWith('/api/webhooks') ? { 'retry-after': '1' } : {}) });
        res.end(e.body);
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
      } else if (path === `/bot${TELEGRAM_TOKEN}/sendMessage`) {
        const ok = json !== null && json['chat_id'] !== undefined && typeof json['text'] === 'string' && (json['text'] as string).length <= 4096;
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { ok: true, result: { message_id: requests.length, text: json!['text'] } } : { ok: false, error_code: 400, description: 'Bad Request: message text is empty' }));
      } else if (path.startsWith('/bot')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      } else if (path === DISCORD_PATH) {
        const ok = json !== null && typeof json['content'] === 'string' && (json['content'] as string).length <= 2000;
        res.writeHead(ok ? 204 : 400, ok ? {} : { 'content-type': 'application/json' });
        res.end(ok ? undefined : JSON.stringify({ message: 'Cannot send an empty message', code: 50006 }));
      } else if (path === SLACK_PATH) {
        const ok = json !== null && typeof json['text'] === 'string';
        res.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain' });
        res.end(ok ? 'ok' : 'invalid_payload');
      } else if (path === NTFY_PATH) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `m${requests.length}`, time: 1, event: 'message', topic: NTFY_PATH.slice(1), message: body }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    failNext: (prefix, statuses) => failures.push(...statuses.map((status) => ({ prefix, status }))),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
