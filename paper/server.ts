import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleControl } from './control.ts';
import type { DialectDeps, DialectOptions, PaperDialect } from './dialects/types.ts';

/**
 * The HTTP server: /paper/* is the venue-neutral control API, everything else goes to the
 * venue's dialect (Binance USDⓈ-M: /fapi/…, /sapi/…; Hyperliquid: POST /info, /exchange). One loopback origin serves both.
 */

export type { RequestLogEntry } from './dialects/types.ts';

export interface PaperServerDeps extends Omit<DialectDeps, 'hang'> {
  dialect: PaperDialect;
  dialectOptions?: DialectOptions;
  adminToken: string;
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface PaperServer {
  server: Server;
  /** Destroys hanging (timeout-fault) requests. */
  dispose(): void;
}

export function createPaperServer(deps: PaperServerDeps): PaperServer {
  const hanging = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  const hang = (res: ServerResponse, ms: number): void => {
    const h = {
      res,
      timer: setTimeout(() => {
        hanging.delete(h);
        res.destroy();
      }, ms),
    };
    hanging.add(h);
  };
  const venue = deps.dialect.createHandler({ ...deps, hang }, deps.dialectOptions ?? {});

  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : '';
    const url = new URL(rawUrl, 'http://paper.local');
    const isControl = url.pathname.startsWith('/paper/') || url.pathname === '/paper';
    const work = (req.method === 'GET' && !isControl ? Promise.resolve('') : readBody(req)).then((body) =>
      isControl ? handleControl(req, res, url, body, deps) : venue(req, res, url, rawQuery, body),
    );
    work.catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(deps.dialect.internalErrorBody(msg));
    });
  });

  return {
    server,
    dispose: () => {
      for (const h of hanging) {
        clearTimeout(h.timer);
        h.res.destroy();
      }
      hanging.clear();
    },
  };
}
