import type { Document } from 'bson';
import { commandError, MongoCommandError } from './command-error.js';
import { checkDbName, type MemoryCatalog } from './memory-catalog.js';
import { fromMingo } from './commands/command-args.js';
import type { CommandContext, CommandHandler, ConnectionInfo } from './commands/command-context.js';
import { CATALOG_COMMANDS } from './commands/catalog-commands.js';
import { CURSOR_COMMANDS } from './commands/cursor-commands.js';
import { CursorRegistry } from './commands/cursor-registry.js';
import { HANDSHAKE_COMMANDS, helloReply } from './commands/handshake-commands.js';
import { READ_COMMANDS } from './commands/read-commands.js';
import { WRITE_COMMANDS } from './commands/write-commands.js';

export { MAX_BSON_OBJECT_SIZE, MAX_WIRE_VERSION, MAX_WRITE_BATCH_SIZE, SERVER_VERSION } from './commands/server-limits.js';
export type { ConnectionInfo } from './commands/command-context.js';

/** Every command the server answers, by name; a command family lives in one file under commands/. */
const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map(
  Object.entries({ ...HANDSHAKE_COMMANDS, ...READ_COMMANDS, ...CURSOR_COMMANDS, ...WRITE_COMMANDS, ...CATALOG_COMMANDS }),
);

/**
 * Executes MongoDB commands against the in-memory catalog with MongoDB 7.0 semantics. Strict:
 * anything unknown or unsupported gets an explicit error with MongoDB's code, never a silent no-op.
 */
export class CommandExecutor {
  readonly #ctx: CommandContext;

  constructor(catalog: MemoryCatalog) {
    this.#ctx = { catalog, cursors: new CursorRegistry() };
  }

  /** Runs one command and returns its reply document (errors become `{ ok: 0, … }`). */
  execute(db: string, cmd: Document, conn: ConnectionInfo): Document {
    let reply: Document;
    try {
      const name = Object.keys(cmd)[0];
      if (name === undefined || name === '$db') throw commandError('FailedToParse', 'Failed to parse: empty command');
      if ('txnNumber' in cmd || 'startTransaction' in cmd || 'autocommit' in cmd) {
        throw commandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      }
      const handler = COMMANDS.get(name);
      if (!handler) throw commandError('CommandNotFound', `no such command: '${name}'`);
      checkDbName(db);
      reply = { ...handler(this.#ctx, db, cmd, conn), ok: 1 };
    } catch (error) {
      reply = error instanceof MongoCommandError ? error.toReply() : fromMingo(error).toReply();
    }
    try {
      this.#ctx.catalog.commit();
    } catch (error) {
      reply = commandError('InternalError', `journal write failed: ${error instanceof Error ? error.message : String(error)}`).toReply();
    }
    return reply;
  }

  hello(conn: ConnectionInfo, modern: boolean): Document {
    return helloReply(conn, modern);
  }
}
