import type { Document } from 'bson';
import { commandError } from '../command-error.js';
import { GENERIC_FIELDS } from './command-args.js';
import type { CommandHandler, CommandTable, ConnectionInfo } from './command-context.js';
import { MAX_BSON_OBJECT_SIZE, MAX_WIRE_VERSION, MAX_WRITE_BATCH_SIZE, SERVER_VERSION } from './server-limits.js';

/** The `hello` reply; `modern` answers `isWritablePrimary` instead of the legacy `ismaster`. */
export function helloReply(conn: ConnectionInfo, modern: boolean): Document {
  return {
    helloOk: true,
    ...(modern ? { isWritablePrimary: true } : { ismaster: true }),
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: conn.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

function buildInfo(): Document {
  return {
    version: SERVER_VERSION,
    gitVersion: 'embedded',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ['embedded'],
    javascriptEngine: 'none',
  };
}

function getParameter(cmd: Document): Document {
  const all = cmd.getParameter === '*';
  const known: Document = { featureCompatibilityVersion: { version: '7.0' } };
  const out: Document = {};
  for (const key of Object.keys(cmd).slice(1)) {
    if (GENERIC_FIELDS.has(key)) continue;
    if (!(key in known)) throw commandError('InvalidOptions', 'no option found to get');
    out[key] = known[key];
  }
  return all ? known : out;
}

const hello: CommandHandler = (_ctx, _db, cmd, conn) => helloReply(conn, Object.keys(cmd)[0] === 'hello');

/** Handshake, diagnostics and session commands a driver sends around the real work. */
export const HANDSHAKE_COMMANDS: CommandTable = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({}),
  buildInfo: () => buildInfo(),
  buildinfo: () => buildInfo(),
  getParameter: (_ctx, _db, cmd) => getParameter(cmd),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  whatsmyuri: (_ctx, _db, _cmd, conn) => ({ you: conn.remote }),
  endSessions: () => ({}),
};
