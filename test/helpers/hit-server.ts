import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HitServer {
  /** The path of every request, in arrival order. */
  readonly hits: string[];
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** A loopback HTTP server that records each request's path before `handler` answers it. */
export async function hitServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HitServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    hits,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers `body` whole as `contentType`, or 404 when there is none. */
export function sendBody(res: ServerResponse, body: Buffer | undefined, contentType = 'video/mp4'): void {
  if (!body) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}
