import type { Document } from 'bson';
import type { MemoryCatalog } from '../memory-catalog.js';
import type { CursorRegistry } from './cursor-registry.js';

export interface ConnectionInfo {
  readonly connectionId: number;
  readonly remote: string;
}

/** What every command handler works on. */
export interface CommandContext {
  readonly catalog: MemoryCatalog;
  readonly cursors: CursorRegistry;
}

export type CommandHandler = (ctx: CommandContext, db: string, cmd: Document, conn: ConnectionInfo) => Document;

/** Command name → handler; one table per command family. */
export type CommandTable = Readonly<Record<string, CommandHandler>>;
