import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
  /** Never answer this request (the client's timeout or abort must end it). */
  readonly hang?: boolean;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Resolves when the connection that carried the request closes (the client hung up, or the server closed). */
  readonly closed: Promise<void>;
  /** When it arrived (performance.now()), for the gap between a client's attempts. */
  readonly at: number;
}

export interface ReplayServer {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Resolves once `n` requests have arrived (whether answered or held). */
  arrived(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that replays canned answers in order (the last one repeats) and records
 * what it received: for driving a client through statuses and shapes its real upstream can send.
 */
export async function replayServer(answers: readonly CannedAnswer[]): Promise<ReplayServer> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let i = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('latin1'),
        closed,
        at: performance.now(),
      });
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (!answer || answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    arrived: (n) =>
      received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Like replayServer, but each answer is chosen by a route function from the request (method,
 * path with query, body), for clients that call several endpoints of one upstream.
 */
export async function routeServer(route: (req: ReceivedRequest) => CannedAnswer): Promise<ReplayServer> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        closed: new Promise<void>((resolve) => req.socket.once('close', () => resolve())),
        at: performance.now(),
      };
      received.push(got);
      const answer = route(got);
      if (answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    arrived: () => Promise.reject(new Error('arrived() is for replayServer')),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export const json = (status: number, value: unknown, headers?: Record<string, string>): CannedAnswer => ({
  status,
  body: JSON.stringify(value),
  headers,
});
