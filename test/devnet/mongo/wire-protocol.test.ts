import { BSON } from 'bson';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeOpMsg, encodeOpReply, MessageFramer, OP_REPLY, readHeader, WireProtocolError, type OpMsgRequest } from '../../../src/devnet/mongo/wire-protocol.js';

/** An OP_MSG with a kind-0 body and one kind-1 document sequence, as a driver would frame it. */
function opMsgWithSequence(flags: number): Buffer {
  const body = Buffer.from(BSON.serialize({ insert: 'c', $db: 'd' }));
  const docs = [{ a: 1 }, { a: 2 }].map((d) => Buffer.from(BSON.serialize(d)));
  const id = Buffer.from('documents\0');
  const seqSize = 4 + id.length + docs.reduce((n, d) => n + d.length, 0);
  const seqHeader = Buffer.alloc(5);
  seqHeader.writeUInt8(1, 0);
  seqHeader.writeInt32LE(seqSize, 1);
  const flagBuf = Buffer.alloc(4);
  flagBuf.writeUInt32LE(flags, 0);
  const payload = Buffer.concat([flagBuf, Buffer.from([0]), body, seqHeader, id, ...docs]);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(7, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  return Buffer.concat([header, payload]);
}

describe('wire protocol', () => {
  it('folds kind-1 document sequences into the command and reads moreToCome', () => {
    const request = decodeMessage(opMsgWithSequence(2)) as OpMsgRequest;
    expect(request.kind).toBe('msg');
    expect(request.moreToCome).toBe(true);
    expect(request.command).toEqual({ insert: 'c', $db: 'd', documents: [{ a: 1 }, { a: 2 }] });
    expect((decodeMessage(opMsgWithSequence(0)) as OpMsgRequest).moreToCome).toBe(false);
  });

  it('rejects unknown required flag bits and unknown section kinds', () => {
    expect(() => decodeMessage(opMsgWithSequence(1 << 4))).toThrow(WireProtocolError);
    const bad = opMsgWithSequence(0);
    bad.writeUInt8(7, 20); // first section kind
    expect(() => decodeMessage(bad)).toThrow('unknown OP_MSG section kind 7');
  });

  it('encodes replies that decode back', () => {
    const msg = encodeOpMsg(5, 9, { ok: 1, n: 2 });
    expect(readHeader(msg)).toEqual({ length: msg.length, requestId: 5, responseTo: 9, opCode: 2013 });
    expect((decodeMessage(msg) as OpMsgRequest).command).toEqual({ ok: 1, n: 2 });
    const reply = encodeOpReply(6, 10, { ok: 1 });
    expect(readHeader(reply)).toMatchObject({ length: reply.length, responseTo: 10, opCode: OP_REPLY });
    expect(BSON.deserialize(reply.subarray(36))).toEqual({ ok: 1 });
  });

  it('reassembles messages split across chunks, and splits coalesced ones', () => {
    const a = encodeOpMsg(1, 0, { ping: 1, $db: 'admin' });
    const b = encodeOpMsg(2, 0, { big: 'x'.repeat(5000), $db: 'admin' });
    const stream = Buffer.concat([a, b, a]);
    const framer = new MessageFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...framer.push(stream.subarray(i, i + 3)));
    expect(out.map((m) => readHeader(m).requestId)).toEqual([1, 2, 1]);
    expect(Buffer.concat(out).equals(stream)).toBe(true);
    expect(new MessageFramer().push(stream)).toHaveLength(3);
  });

  it('refuses message lengths outside the protocol limits', () => {
    const tooBig = Buffer.alloc(4);
    tooBig.writeInt32LE(50_000_000, 0);
    expect(() => new MessageFramer().push(tooBig)).toThrow('message length 50000000 outside [16, 48000000]');
  });

  it('judges a message by its header: an opcode we do not serve throws before the body is awaited', () => {
    const garbage = Buffer.alloc(16);
    garbage.writeInt32LE(40_000_000, 0);
    garbage.writeInt32LE(0x7a7a7a7a, 12);
    const framer = new MessageFramer();
    expect(framer.push(garbage.subarray(0, 10))).toEqual([]); // not a whole header yet
    expect(() => framer.push(garbage.subarray(10))).toThrow(/unsupported opCode 2054847098/);
    const compressed = Buffer.alloc(16);
    compressed.writeInt32LE(1_000, 0);
    compressed.writeInt32LE(2012, 12);
    expect(() => new MessageFramer().push(compressed)).toThrow(/OP_COMPRESSED/);
  });
});
