import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen } from '../../../util/listen.js';
import { RpcError } from '../rpc-error.js';

interface JsonRpcRequest {
  readonly jsonrpc?: string;
  readonly id?: number | string | null;
  readonly method?: unknown;
  readonly params?: unknown;
}

/** A method's answer; `after` runs once the answer is on the wire. */
export interface DispatchResult {
  readonly result: unknown;
  readonly after?: () => void;
}

export interface JsonRpcServerHandlers {
  /** Answers one call; throw RpcError for the node's error answers. */
  readonly dispatch: (ws: WebSocket, method: string, params: readonly unknown[]) => DispatchResult;
  /** Called for every request, before it is answered. */
  readonly onRequest?: (method: string, params: readonly unknown[]) => void;
  /** Called after a single (non-batch) request was answered. */
  readonly afterRequest?: (ws: WebSocket, method: string, params: readonly unknown[]) => void;
  readonly onClose?: (ws: WebSocket) => void;
}

/** Sockets of a node that hangs: open, but nothing read from them is answered or sent on them. */
const stalled = new WeakSet<WebSocket>();

/** Sends one JSON-RPC message if the socket is still open (and not stalled). */
export function sendMessage(ws: WebSocket, message: unknown): void {
  if (ws.readyState !== ws.OPEN || stalled.has(ws)) return;
  ws.send(JSON.stringify(message));
}

/** JSON-RPC 2.0 over WebSocket (single and batch requests), as a Substrate node serves it. */
export class JsonRpcServer {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  readonly #handlers: JsonRpcServerHandlers;
  readonly #log: Logger;
  #server: Server | undefined;
  #closed = false;
  #url = '';

  constructor(handlers: JsonRpcServerHandlers, log: Logger) {
    this.#handlers = handlers;
    this.#log = log;
  }

  /** `ws://host:port`. */
  get url(): string {
    return this.#url;
  }

  async listen(host: string, port: number): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('WebSocket JSON-RPC only\n');
    });
    this.#server = server;
    server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
    try {
      await listen(server, port, host);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`devnet cannot listen on ${host}:${port}: ${e.code ?? e.message}`, { cause: err });
    }
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `ws://${shownHost}:${address.port}`;
  }

  /** Closes every client socket; new ones are still accepted. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
  }

  /**
   * Every client socket open now hangs (a stuck node, a half-open connection): it stays open,
   * its requests go unanswered and its subscriptions silent. New sockets are served as usual.
   */
  stallConnections(): void {
    for (const socket of this.#sockets) stalled.add(socket);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.dropConnections();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      const server = this.#server;
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }

  #accept(ws: WebSocket): void {
    if (this.#closed) {
      ws.terminate();
      return;
    }
    this.#sockets.add(ws);
    ws.on('message', (data) => {
      void this.#onMessage(ws, data.toString());
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.#handlers.onClose?.(ws);
    });
    ws.on('error', (err) => this.#log.debug({ err }, 'devnet socket error'));
  }

  async #onMessage(ws: WebSocket, text: string): Promise<void> {
    if (stalled.has(ws)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      sendMessage(ws, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (Array.isArray(parsed)) {
      const answers = parsed.map((r) => this.#handle(ws, r as JsonRpcRequest));
      sendMessage(ws, answers.map((a) => a.response));
      for (const a of answers) a.after?.();
      return;
    }
    const request = parsed as JsonRpcRequest;
    const { response, after } = this.#handle(ws, request);
    sendMessage(ws, response);
    after?.();
    if (typeof request?.method === 'string' && Array.isArray(request.params)) this.#handlers.afterRequest?.(ws, request.method, request.params);
  }

  #handle(ws: WebSocket, req: JsonRpcRequest): { response: unknown; after?: () => void } {
    const id = req?.id ?? null;
    if (typeof req !== 'object' || req === null || typeof req.method !== 'string') {
      return { response: { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } } };
    }
    const params = Array.isArray(req.params) ? (req.params as unknown[]) : req.params === undefined || req.params === null ? [] : [req.params];
    this.#handlers.onRequest?.(req.method, params);
    try {
      const { result, after } = this.#handlers.dispatch(ws, req.method, params);
      return { response: { jsonrpc: '2.0', id, result }, after };
    } catch (err) {
      if (err instanceof RpcError) return { response: { jsonrpc: '2.0', id, error: err.toJSON() } };
      this.#log.warn({ err, method: req.method }, 'devnet request failed');
      return { response: { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error', data: (err as Error).message } } };
    }
  }
}
