import { describe, expect, it } from 'vitest';
import { abortable } from '../../src/util/abortable.js';

describe('abortable', () => {
  it('passes the work’s value or error through unchanged while the signal stays quiet', async () => {
    const signal = new AbortController().signal;
    expect(await abortable(Promise.resolve(7), signal)).toBe(7);
    const odd = { not: 'an Error' };
    await expect(abortable(Promise.reject(odd), signal)).rejects.toBe(odd);
  });

  it('rejects with the signal’s reason at once, before or during the work, and leaves the work running', async () => {
    const reason = new Error('cycle over');
    await expect(abortable(new Promise(() => undefined), AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    let finish!: (value: string) => void;
    const work = new Promise<string>((resolve) => (finish = resolve));
    const waiting = abortable(work, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    finish('done anyway');
    expect(await work).toBe('done anyway');
  });
});
