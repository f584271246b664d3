import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCappedBody } from '../../../src/services/http/read-capped-body.js';

const tooLarge = (): Error => new Error('too large');

describe('readCappedBody', () => {
  it('joins the chunks in order, up to exactly maxBytes', async () => {
    const body = Readable.from([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('e')]);
    expect((await readCappedBody(body, 5, tooLarge)).toString()).toBe('abcde');
    expect((await readCappedBody(Readable.from([Buffer.from('one')]), 3, tooLarge)).toString()).toBe('one');
    expect(await readCappedBody(Readable.from([]), 1, tooLarge)).toHaveLength(0);
  });

  it('rejects with the caller’s error as soon as a chunk passes the cap, and destroys the stream', async () => {
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(4));
      },
    });
    await expect(readCappedBody(body, 10, tooLarge)).rejects.toThrow('too large');
    expect(body.destroyed).toBe(true);
    // The endless body was cut off at the third chunk (12 bytes), not read on.
    expect(pulled).toBeLessThan(6);
  });

  it('rejects with the stream’s own error when it breaks off', async () => {
    const body = new Readable({ read() {} });
    const reading = readCappedBody(body, 100, tooLarge);
    body.push(Buffer.from('partial'));
    body.destroy(new Error('socket closed'));
    await expect(reading).rejects.toThrow('socket closed');
  });

  it('rejects, rather than waiting for ever, when the stream is destroyed without an error before its end', async () => {
    const body = new Readable({ read() {} });
    const reading = readCappedBody(body, 100, tooLarge);
    body.push(Buffer.from('partial'));
    body.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
