import { BSON, Long, type Document } from 'bson';

/**
 * MongoDB wire framing: the 16-byte header, OP_MSG (2013), the legacy OP_QUERY (2004) that
 * drivers still use for the first handshake, and OP_REPLY (1) that answers it.
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;
/** The server's advertised maxMessageSizeBytes; anything larger is a protocol violation. */
export const MAX_MESSAGE_SIZE = 48_000_000;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;

// Stored documents keep promoted JS values (numbers, Dates) so mingo can compare them directly.
const DESERIALIZE_OPTIONS = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;

export interface MessageHeader {
  readonly length: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

export interface OpMsgRequest {
  readonly kind: 'msg';
  readonly header: MessageHeader;
  readonly moreToCome: boolean;
  /** The kind-0 body, with every kind-1 document sequence folded in under its identifier. */
  readonly command: Document;
}

export interface OpQueryRequest {
  readonly kind: 'query';
  readonly header: MessageHeader;
  readonly fullCollectionName: string;
  readonly command: Document;
}

export type WireRequest = OpMsgRequest | OpQueryRequest;

export class WireProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireProtocolError';
  }
}

export function readHeader(buf: Buffer, offset = 0): MessageHeader {
  return {
    length: buf.readInt32LE(offset),
    requestId: buf.readInt32LE(offset + 4),
    responseTo: buf.readInt32LE(offset + 8),
    opCode: buf.readInt32LE(offset + 12),
  };
}

function readCString(buf: Buffer, offset: number, end: number): [string, number] {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new WireProtocolError('unterminated cstring');
  return [buf.toString('utf8', offset, zero), zero + 1];
}

function readDocument(buf: Buffer, offset: number, end: number): [Document, number] {
  if (offset + 5 > end) throw new WireProtocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new WireProtocolError(`BSON document size ${size} overruns the message`);
  const doc = BSON.deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  return [doc, offset + size];
}

/** Decodes one complete message (header included). */
export function decodeMessage(message: Buffer): WireRequest {
  const header = readHeader(message);
  if (header.opCode === OP_MSG) return decodeOpMsg(header, message);
  if (header.opCode === OP_QUERY) return decodeOpQuery(header, message);
  if (header.opCode === OP_COMPRESSED) throw new WireProtocolError('OP_COMPRESSED is not supported: no compressors are advertised');
  throw new WireProtocolError(`unsupported opCode ${header.opCode}`);
}

function decodeOpMsg(header: MessageHeader, message: Buffer): OpMsgRequest {
  const flags = message.readUInt32LE(HEADER_SIZE);
  // Required flag bits are 0-15; an unknown required bit must fail the message per the spec.
  if ((flags & 0xfffc) !== 0) throw new WireProtocolError(`unknown required OP_MSG flag bits 0x${flags.toString(16)}`);
  const end = flags & FLAG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new WireProtocolError('OP_MSG with more than one kind-0 section');
      [body, offset] = readDocument(message, offset, end);
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end) throw new WireProtocolError('kind-1 section overruns the message');
      const [identifier, start] = readCString(message, offset + 4, sectionEnd);
      let at = start;
      const docs: Document[] = [];
      while (at < sectionEnd) {
        let doc: Document;
        [doc, at] = readDocument(message, at, sectionEnd);
        docs.push(doc);
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new WireProtocolError('OP_MSG without a kind-0 body');
  for (const [identifier, docs] of sequences) {
    if (identifier in body) throw new WireProtocolError(`document sequence '${identifier}' duplicates a body field`);
    body[identifier] = docs;
  }
  return { kind: 'msg', header, moreToCome: (flags & FLAG_MORE_TO_COME) !== 0, command: body };
}

function decodeOpQuery(header: MessageHeader, message: Buffer): OpQueryRequest {
  const [fullCollectionName, afterName] = readCString(message, HEADER_SIZE + 4, message.length); // after flags
  const offset = afterName + 8; // numberToSkip, numberToReturn
  const [command] = readDocument(message, offset, message.length);
  return { kind: 'query', header, fullCollectionName, command };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE);
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
  return buf;
}

export function encodeOpMsg(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = BSON.serialize(doc);
  const prefix = Buffer.alloc(5); // flagBits = 0, section kind 0
  const length = HEADER_SIZE + prefix.length + body.length;
  return Buffer.concat([header(length, requestId, responseTo, OP_MSG), prefix, body], length);
}

export function encodeOpReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = BSON.serialize(doc);
  const fixed = Buffer.alloc(20);
  fixed.writeInt32LE(0, 0); // responseFlags
  const cursorId = Long.ZERO;
  fixed.writeInt32LE(cursorId.low, 4);
  fixed.writeInt32LE(cursorId.high, 8);
  fixed.writeInt32LE(0, 12); // startingFrom
  fixed.writeInt32LE(1, 16); // numberReturned
  const length = HEADER_SIZE + fixed.length + body.length;
  return Buffer.concat([header(length, requestId, responseTo, OP_REPLY), fixed, body], length);
}

/** Request opcodes a client may send; anything else is refused from its header alone. */
const REQUEST_OPCODES: ReadonlySet<number> = new Set([OP_MSG, OP_QUERY]);

/**
 * Splits a TCP byte stream into whole messages. Bytes are kept until a full message is in, but a
 * message is judged by its 16-byte header first: a length outside the limits or an opcode we do
 * not serve throws before any of the body is buffered, so garbage costs at most one header.
 */
export class MessageFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Length of the message being assembled, once its header is in and accepted. */
  #expected = 0;

  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#expected === 0) {
        if (this.#buffered < 4) break;
        if (this.#chunks[0]!.length < Math.min(HEADER_SIZE, this.#buffered))
          this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
        const first = this.#chunks[0]!;
        const length = first.readInt32LE(0);
        if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
          throw new WireProtocolError(`message length ${length} outside [${HEADER_SIZE}, ${MAX_MESSAGE_SIZE}]`);
        }
        if (this.#buffered < HEADER_SIZE) break;
        const opCode = first.readInt32LE(12);
        if (!REQUEST_OPCODES.has(opCode)) {
          throw new WireProtocolError(
            opCode === OP_COMPRESSED
              ? 'OP_COMPRESSED is not supported: no compressors are advertised'
              : `unsupported opCode ${opCode} in a ${length}-byte message header`,
          );
        }
        this.#expected = length;
      }
      // Concatenate once per message, not once per TCP chunk: large bulk writes arrive in many.
      if (this.#buffered < this.#expected) break;
      const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
      out.push(all.subarray(0, this.#expected));
      const rest = all.subarray(this.#expected);
      this.#chunks = rest.length ? [rest] : [];
      this.#buffered = rest.length;
      this.#expected = 0;
    }
    return out;
  }
}
