import { createServer, type Server, type Socket } from 'node:net';
import type { Document } from 'bson';
import type { Logger } from '../../log.js';
import { commandError } from './command-error.js';
import { CommandExecutor, type ConnectionInfo } from './command-executor.js';
import { MemoryCatalog } from './memory-catalog.js';
import { decodeMessage, encodeOpMsg, encodeOpReply, MessageFramer, WireProtocolError, type WireRequest } from './wire-protocol.js';

export interface EmbeddedMongoServerOptions {
  /** TCP port; 0 (the default) picks a free ephemeral port. */
  readonly port?: number;
  /** Interface to bind; loopback by default (there is no authentication). */
  readonly host?: string;
  /** Directory for the write journal; without it the data lives in memory only. */
  readonly dataDir?: string;
  /** Open connections accepted at once; later ones are closed on arrival. Default 1,000. */
  readonly maxConnections?: number;
  /** A connection that sends and receives nothing for this long is closed; 0 never. Default 10 min. */
  readonly idleTimeoutMs?: number;
  readonly logger?: Logger;
}

const DEFAULT_MAX_CONNECTIONS = 1_000;
const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

const HANDSHAKE_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

const FAIL_POINT_CODE_NAMES: Readonly<Record<number, string>> = { 89: 'NetworkTimeout', 91: 'ShutdownInProgress', 189: 'PrimarySteppedDown' };

/**
 * A fault to inject, as MongoDB's `failCommand` fail point: the named commands answer an error
 * instead of running (nothing is written), or the connection is closed before they run.
 */
export interface CommandFailPoint {
  /** Command names, e.g. `update` (upserts, bulk writes of updates), `insert`, `find`. */
  readonly commands: readonly string[];
  /**
   * Answered code; default 89 (NetworkTimeout: the command failed, the server stays selectable).
   * 91 (ShutdownInProgress) makes drivers mark the server unknown and fail reads too until their
   * monitor finds it again.
   */
  readonly errorCode?: number;
  /** Close the connection instead of answering. */
  readonly closeConnection?: boolean;
  /** Neither answer nor close: the command is left unanswered, as by a hung server or a partition. */
  readonly hang?: boolean;
  /** Run the command, then close the connection instead of answering: the write is applied, its answer lost. */
  readonly loseReply?: boolean;
  /** Matching commands failed before the point turns itself off; every one when undefined. */
  readonly times?: number;
}

/**
 * A MongoDB-wire-compatible server for development and tests: the official driver connects to it
 * as to a standalone MongoDB 7.0 (wire version 21). Queries and updates are evaluated by mingo;
 * unique indexes are enforced; with `dataDir` every acknowledged write is journaled and fsynced.
 * Not a production database: single-threaded, no auth, no transactions, no replication.
 */
export class EmbeddedMongoServer {
  readonly host: string;
  readonly port: number;
  readonly uri: string;
  readonly dataDir: string | undefined;
  #server: Server;
  #sockets = new Set<Socket>();
  #catalog: MemoryCatalog;
  #executor: CommandExecutor;
  #logger: Logger | undefined;
  #idleTimeoutMs: number;
  #nextConnectionId = 1;
  #nextRequestId = 1;
  #closing: Promise<void> | null = null;
  #failPoint: { point: CommandFailPoint; left: number } | null = null;
  #unanswered: string[] = [];

  private constructor(server: Server, host: string, port: number, catalog: MemoryCatalog, options: EmbeddedMongoServerOptions) {
    this.#server = server;
    this.host = host;
    this.port = port;
    this.uri = `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}/?directConnection=true`;
    this.dataDir = options.dataDir;
    this.#catalog = catalog;
    this.#executor = new CommandExecutor(catalog);
    this.#logger = options.logger;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  static async start(options: EmbeddedMongoServerOptions = {}): Promise<EmbeddedMongoServer> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer in [0, 65535], got ${String(port)}`);
    const host = options.host ?? '127.0.0.1';
    if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty string');
    if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) {
      throw new TypeError('dataDir must be a non-empty string when given');
    }
    const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 1_000_000) {
      throw new RangeError(`maxConnections must be an integer in [1, 1000000], got ${String(maxConnections)}`);
    }
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 0 || idleTimeoutMs > 2 ** 31 - 1) {
      throw new RangeError(`idleTimeoutMs must be an integer in [0, 2147483647], got ${String(idleTimeoutMs)}`);
    }
    const catalog = MemoryCatalog.open(options.dataDir);
    const server = createServer();
    // net.Server closes connections past this count as they arrive (and emits 'drop').
    server.maxConnections = maxConnections;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      catalog.close();
      throw error;
    }
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const instance = new EmbeddedMongoServer(server, host, bound, catalog, options);
    server.on('connection', (socket) => instance.#accept(socket));
    server.on('drop', (dropped) => {
      instance.#logger?.warn({ remote: dropped?.remoteAddress, maxConnections }, 'connection refused: too many open connections');
    });
    if (catalog.damaged) {
      instance.#logger?.error(
        { code: 'ERR_STORE_MALFORMED_DOCUMENT', ...catalog.damaged },
        'embedded MongoDB journal unreadable before its end: the writes after that point are not loaded; the journal as found is kept',
      );
    }
    instance.#logger?.info({ port: bound, host, dataDir: options.dataDir }, 'embedded MongoDB server listening');
    return instance;
  }

  /** Sets (or with null clears) the fail point: how tests take the database away for some commands only. */
  failCommands(point: CommandFailPoint | null): void {
    if (point !== null && (!Array.isArray(point.commands) || point.commands.length === 0)) throw new TypeError('commands must name at least one command');
    if (point?.times !== undefined && (!Number.isInteger(point.times) || point.times < 1)) throw new RangeError(`times must be an integer >= 1, got ${String(point.times)}`);
    this.#failPoint = point ? { point, left: point.times ?? Number.POSITIVE_INFINITY } : null;
  }

  /** Commands a `hang` fail point left unanswered so far, as `command:collection` (e.g. `update:metric_snapshots`). */
  get unanswered(): readonly string[] {
    return this.#unanswered;
  }

  /** Open client connections (driver pools plus monitors). */
  get connections(): number {
    return this.#sockets.size;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const conn: ConnectionInfo = { connectionId: this.#nextConnectionId++, remote: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}` };
    const framer = new MessageFramer();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const message of framer.push(chunk)) this.#handle(socket, decodeMessage(message), conn);
      } catch (error) {
        // A framing or protocol violation leaves the stream unusable: MongoDB closes it too.
        this.#logger?.warn({ err: error, connectionId: conn.connectionId }, 'closing connection after a wire protocol error');
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    if (this.#idleTimeoutMs > 0) {
      socket.setTimeout(this.#idleTimeoutMs, () => {
        this.#logger?.debug({ connectionId: conn.connectionId }, 'closing an idle connection');
        socket.destroy();
      });
    }
  }

  #handle(socket: Socket, request: WireRequest, conn: ConnectionInfo): void {
    if (request.kind === 'query') {
      const db = request.fullCollectionName.replace(/\.\$cmd$/, '');
      const name = Object.keys(request.command)[0] ?? '';
      const reply = HANDSHAKE_COMMANDS.has(name)
        ? this.#executor.execute(db, request.command, conn)
        : commandError('UnsupportedOpQueryCommand', `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`).toReply();
      socket.write(encodeOpReply(this.#nextRequestId++, request.header.requestId, reply));
      return;
    }
    const db = request.command.$db;
    const failed = this.#failing(Object.keys(request.command)[0] ?? '');
    if (failed?.closeConnection) {
      socket.destroy();
      return;
    }
    if (failed?.hang) {
      const name = Object.keys(request.command)[0] ?? '';
      this.#unanswered.push(`${name}:${String(request.command[name])}`);
      return;
    }
    const runs = !failed || failed.loseReply === true;
    const reply: Document = !runs
      ? { ok: 0, errmsg: 'Failing command via the failCommand fail point', code: failed.errorCode ?? 89, codeName: FAIL_POINT_CODE_NAMES[failed.errorCode ?? 89] ?? '' }
      : typeof db === 'string'
        ? this.#executor.execute(db, request.command, conn)
        : commandError('Location40414', `BSON field 'OpMsg.$db' is missing but a required field`).toReply();
    if (failed?.loseReply) {
      socket.destroy();
      return;
    }
    if (request.moreToCome) return; // w:0 / fire-and-forget: the client reads no reply
    let encoded: Buffer;
    try {
      encoded = encodeOpMsg(this.#nextRequestId++, request.header.requestId, reply);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      encoded = encodeOpMsg(this.#nextRequestId++, request.header.requestId, commandError('BadValue', `reply could not be encoded: ${error.message}`).toReply());
    }
    socket.write(encoded);
  }

  #failing(name: string): CommandFailPoint | undefined {
    const fp = this.#failPoint;
    if (!fp || !fp.point.commands.includes(name)) return undefined;
    if (--fp.left <= 0) this.#failPoint = null;
    return fp.point;
  }

  /** Stops listening, drops every connection and makes the journal compact and durable. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      this.#server.close(() => {
        try {
          this.#catalog.close();
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }
}

export { WireProtocolError };
