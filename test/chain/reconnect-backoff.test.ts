import { createServer, type Socket } from 'node:net';
import { WsProvider } from '@polkadot/api';
import { describe, expect, it, vi } from 'vitest';
import { Backoff, LogGate, driveReconnects } from '../../src/chain/reconnect-backoff.js';

describe('Backoff', () => {
  it('doubles from 1 s up to the 30 s cap, with the jitter share drawn at random, and restarts on reset', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 1 });
    const lows = Array.from({ length: 8 }, () => low.next());
    const highs = Array.from({ length: 8 }, () => high.next());
    expect(highs).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(lows).toEqual(highs.map((d) => d / 2));
    low.reset();
    expect(low.next()).toBe(500);
    expect(() => new Backoff({ maxMs: 10, initialMs: 100 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 2 })).toThrow(/jitter must be within \[0, 1\]/);
  });
});

describe('LogGate', () => {
  it('lets the first line through, then one a minute, counting what it held back', () => {
    let now = 0;
    const gate = new LogGate({ now: () => now });
    expect(gate.pass()).toEqual({ log: true, suppressed: 0 });
    now = 1_000;
    expect(gate.pass().log).toBe(false);
    now = 59_999;
    expect(gate.pass().log).toBe(false);
    now = 60_000;
    expect(gate.pass()).toEqual({ log: true, suppressed: 2 });
    gate.reset();
    expect(gate.pass()).toEqual({ log: true, suppressed: 0 });
  });
});

describe('driveReconnects', () => {
  it('retries a dead node with growing, capped delays and never faster than the backoff allows', async () => {
    // A node that accepts TCP and hangs up at once: every WebSocket attempt fails.
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const provider = new WsProvider(`ws://127.0.0.1:${port}`, false);
    const delays: number[] = [];
    // Attempts run at once; the delays the backoff asked for are what is checked.
    const driver = driveReconnects(provider, {
      random: () => 1,
      schedule: (run, delayMs) => {
        delays.push(delayMs);
        const timer = setTimeout(run, 0);
        return { cancel: () => clearTimeout(timer) };
      },
    });
    try {
      await provider.connect();
      await vi.waitFor(() => expect(delays.length).toBeGreaterThanOrEqual(8), { timeout: 20_000, interval: 20 });
      driver.stop();
      expect(delays.slice(0, 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
      // One connection per scheduled attempt plus the first: no extra retries behind the backoff's back.
      expect(sockets.length).toBeLessThanOrEqual(delays.length + 1);
    } finally {
      driver.stop();
      await provider.disconnect().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
