import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkedSignal } from '../../src/util/linked-signal.js';

describe('linkedSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts with a TimeoutError once timeoutMs passes, and says it timed out', () => {
    const link = linkedSignal([new AbortController().signal], 500);
    vi.advanceTimersByTime(499);
    expect(link.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(link.signal.aborted).toBe(true);
    expect(link.timedOut).toBe(true);
    expect((link.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the parent’s reason when any parent aborts first, and its timer no longer fires', () => {
    const first = new AbortController();
    const second = new AbortController();
    const link = linkedSignal([first.signal, undefined, second.signal], 1_000);
    const reason = new Error('cycle over');
    second.abort(reason);
    expect(link.signal.reason).toBe(reason);
    expect(link.timedOut).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Detached from the other parent as well: nothing of the link stays on it.
    expect(getEventListeners(first.signal, 'abort')).toHaveLength(0);
    vi.advanceTimersByTime(2_000);
    expect(link.timedOut).toBe(false);
  });

  it('is aborted at once, with no timer, when a parent already is', () => {
    const reason = new Error('stopped');
    const link = linkedSignal([AbortSignal.abort(reason)], 1_000);
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose() clears the timer and detaches from every parent, leaving the signal as it was', () => {
    const parent = new AbortController();
    const link = linkedSignal([parent.signal], 1_000);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    link.dispose();
    link.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    parent.abort(new Error('late'));
    vi.advanceTimersByTime(5_000);
    expect(link.signal.aborted).toBe(false);
  });

  it('without a timeout follows its parents only', () => {
    const parent = new AbortController();
    const link = linkedSignal([parent.signal]);
    expect(vi.getTimerCount()).toBe(0);
    parent.abort('why');
    expect(link.signal.reason).toBe('why');
  });

  it('refuses a timeout that is negative or not finite', () => {
    expect(() => linkedSignal([], -1)).toThrow(new RangeError('timeoutMs must be a finite number ≥ 0, got -1'));
    expect(() => linkedSignal([], Number.NaN)).toThrow(RangeError);
    expect(() => linkedSignal([], Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
