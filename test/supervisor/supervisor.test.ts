import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistParser } from '../../src/actors/types.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { counterValue, inlineGistParser, keypair, signedLine } from '../actors/helpers.js';
import { neuron, setup } from './supervisor-fixture.js';

describe('Supervisor', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('starts, stops and replaces actors as neurons join, leave and change hotkeys; permit holders and itself included', async () => {
    const s = await setup();
    stop = () => s.supervisor.stop();
    s.supervisor.watch();
    s.chain.join(neuron(0, s.validator.address, { validatorPermit: true }));
    s.chain.join(neuron(1, s.keys[0]!.address));
    s.chain.join(neuron(2, s.keys[1]!.address));
    s.chain.join(neuron(3, s.keys[2]!.address, { validatorPermit: true }));
    s.chain.join(neuron(5, s.validator.address));
    // The original collects every committed hotkey of the metagraph, permit or not (the permit
    // only keeps it out of the ranking); our own hotkey without a permit also ranks like any miner.
    expect(s.supervisor.actorUids).toEqual([0, 1, 2, 3, 5]);
    expect((await s.deps.metrics.metagraphNeurons.get()).values[0]?.value).toBe(5);
    expect((await s.deps.metrics.validatorPermit.get()).values[0]?.value).toBe(1);

    const first = s.supervisor.actor(2)!;
    s.chain.replace(neuron(2, s.keys[3]!.address));
    expect(s.supervisor.actor(2)!.hotkey).toBe(s.keys[3]!.address);
    await vi.waitFor(() => expect(first.state).toBe('stopped'));

    const leaving = s.supervisor.actor(1)!;
    s.chain.leave(1);
    expect(s.supervisor.actorUids).toEqual([0, 2, 3, 5]);
    await vi.waitFor(() => expect(leaving.state).toBe('stopped'));

    // Losing the permit keeps the same actor collecting: its history goes on unbroken.
    const permitted = s.supervisor.actor(3)!;
    s.chain.diffs.next({ kind: 'permit_changed', uid: 3, neuron: neuron(3, s.keys[2]!.address), block: 101 });
    expect(s.supervisor.actorUids).toEqual([0, 2, 3, 5]);
    expect(s.supervisor.actor(3)).toBe(permitted);
    expect(await counterValue(s.deps.metrics.actorRestartsTotal, { reason: 'hotkey_replaced' })).toBe(1);
    expect(await counterValue(s.deps.metrics.metagraphEventsTotal, { kind: 'left' })).toBe(1);
  });

  it('a deregistered miner has its in-flight work aborted', async () => {
    const seen: AbortSignal[] = [];
    const s = await setup({
      gists: (hotkey) => ({
        fetch: (_c, o) =>
          new Promise((resolve, reject) => {
            if (!o?.signal) return resolve('');
            seen.push(o.signal);
            o.signal.addEventListener('abort', () => reject(o.signal!.reason));
            void hotkey;
          }),
      }),
    });
    stop = () => s.supervisor.stop();
    s.chain.join(neuron(1, s.keys[0]!.address));
    s.chain.join(neuron(2, s.keys[1]!.address));
    s.supervisor.watch();
    const cycle = s.supervisor.runCycle();
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    s.chain.leave(1);
    await vi.waitFor(() => expect(seen[0]!.aborted || seen[1]!.aborted).toBe(true));
    await s.supervisor.stop();
    const summary = await cycle;
    expect(summary.reported).toBe(0);
  });

  it('a cycle cut short by a shutdown is partial: what was collected is stored, nothing is scored', async () => {
    const hung: AbortSignal[] = [];
    const s = await setup({
      gists: (hotkey) =>
        hotkey === s.keys[1]!.address
          ? {
              fetch: (_c, o) =>
                new Promise((_resolve, reject) => {
                  hung.push(o!.signal!);
                  o!.signal!.addEventListener('abort', () => reject(o!.signal!.reason));
                }),
            }
          : { fetch: async () => signedLine(s.keys[0]!, 'youtube/video', 'vid1', 'https://cdn.example/vid1.mp4') },
    });
    stop = () => s.supervisor.stop();
    s.chain.neurons = [neuron(1, s.keys[0]!.address), neuron(2, s.keys[1]!.address)];
    const cycle = s.supervisor.runCycle();
    await vi.waitFor(() => expect(hung).toHaveLength(1));
    await vi.waitFor(() => expect(s.created[0]!.state).toBe('idle'));
    await s.supervisor.stop();
    const summary = await cycle;
    expect(summary).toMatchObject({ result: 'partial', reported: 1, scored: false, top: [] });
    expect(summary.errors).toContain('stopped: validator shutting down');
    expect(summary.snapshots.inserted).toBe(1);
    expect(s.scores).toEqual([]);
  });

  it('runs a full cycle: snapshots persisted, owners resolved, scores handed on', async () => {
    const s = await setup();
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    const summary = await s.supervisor.runCycle();
    expect(summary).toMatchObject({ interval: '2026-01-01-02-00', result: 'ok', actors: 4, reported: 4, scored: true, block: 100 });
    expect(summary.submissions.accepted).toBe(4);
    expect(summary.snapshots.inserted).toBe(4);
    expect(s.scores).toHaveLength(1);
    expect(s.scores[0]!.neurons).toEqual([1, 2, 3, 4]);
    expect(s.scores[0]!.selection.top).toHaveLength(4);
    // Same interval again (a restart mid-cycle): nothing written twice.
    const again = await s.supervisor.runCycle();
    expect(again.snapshots).toEqual({ inserted: 0, matched: 4, buffered: 0 });
    expect(s.deps.sinks.snapshots.size).toBe(4);
  });

  it('a socket dropped during the cycle-start commitments read is waited out, not a lost interval', async () => {
    const s = await setup();
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    s.chain.commitmentDrops = 2;
    const summary = await s.supervisor.runCycle();
    expect(s.chain.commitmentReads).toBe(3);
    expect(summary.errors.filter((e) => e.startsWith('commitments'))).toEqual([]);
    expect(summary).toMatchObject({ result: 'ok', reported: 4 });
    expect(summary.snapshots.inserted).toBe(4);
  });

  it('an actor crashing does not stop the others, and is restarted', async () => {
    const crashFor = (await keypair('//Sup/miner/2')).address;
    let crashes = 0;
    const gistParser: GistParser = {
      async parse(items) {
        if (items.some((i) => i.hotkey === crashFor) && crashes++ === 0) throw new Error('worker blew up');
        return inlineGistParser.parse(items);
      },
    };
    const t = await setup({ gistParser });
    stop = () => t.supervisor.stop();
    t.chain.neurons = t.keys.map((k, i) => neuron(i + 1, k.address));
    const summary = await t.supervisor.runCycle();
    expect(summary.reported).toBe(3);
    expect(summary.snapshots.inserted).toBe(3);
    // One miner lost its cycle to the crash: the cycle is partial, and says why.
    expect(summary.result).toBe('partial');
    expect(summary.errors).toEqual(['collect: ERR_UNKNOWN']);
    await vi.waitFor(async () => expect(await counterValue(t.deps.metrics.actorRestartsTotal, { reason: 'crashed' })).toBe(1));
    await vi.waitFor(() => expect(t.supervisor.actor(2)!.state).toBe('idle'));
    const next = await t.supervisor.runCycle();
    expect(next.reported).toBe(4);
    expect(next.snapshots.inserted).toBe(1);
  });

  it('a slow miner misses the deadline without holding up the others, and counts when it lands', async () => {
    let slowHotkey = '';
    let release: (() => void) | undefined;
    const s = await setup({
      deadlineMs: 300,
      gists: (hotkey) =>
        hotkey === slowHotkey
          ? {
              fetch: () =>
                new Promise<string>((resolve) => {
                  release = () => resolve(signedLine(s.keys[0]!, 'youtube/video', 'vid1', 'https://cdn.example/vid1.mp4'));
                }),
            }
          : undefined!,
    });
    slowHotkey = s.keys[0]!.address;
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    const summary = await s.supervisor.runCycle();
    expect(summary.timedOut).toBe(1);
    expect(summary.timedOutUids).toEqual([1]);
    expect(summary.reported).toBe(3);
    expect(summary.coverage).toEqual({ reported: 3, expected: 4, ratio: 0.75 });
    expect(summary.snapshots.inserted).toBe(3);
    expect(summary.result).toBe('partial');
    expect(summary.scored).toBe(true);
    expect(s.scores.at(-1)!.coverage).toEqual({ reported: 3, expected: 4, ratio: 0.75 });
    // The late miner's work was not thrown away: it lands, is stored, and the scores are redone.
    expect(release).toBeDefined();
    release!();
    await vi.waitFor(() => expect(s.scores.at(-1)!.coverage).toEqual({ reported: 4, expected: 4, ratio: 1 }));
    expect([...s.deps.sinks.snapshots.values()].filter((x) => x.hotkey === slowHotkey)).toHaveLength(1);
    expect(await s.deps.metrics.cycleCoverage.get()).toMatchObject({ values: [{ value: 1 }] });
  });

  it('a miner slower than the deadline but still landing within the grace counts in its own cycle; without the grace it is late', async () => {
    for (const collectGrace of [undefined, false] as const) {
      let slowHotkey = '';
      const s = await setup({
        deadlineMs: 300,
        ...(collectGrace === false ? { collectGrace } : {}),
        gists: (hotkey) =>
          hotkey === slowHotkey
            ? {
                // A slow gist host: the body comes 700 ms after the request, past the 300 ms deadline
                // and within the default stall window (1 s).
                fetch: () =>
                  new Promise<string>((resolve) =>
                    setTimeout(() => resolve(signedLine(s.keys[0]!, 'youtube/video', 'vid1', 'https://cdn.example/vid1.mp4')), 700),
                  ),
              }
            : undefined!,
      });
      slowHotkey = s.keys[0]!.address;
      stop = () => s.supervisor.stop();
      s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
      const summary = await s.supervisor.runCycle();
      const variant = collectGrace === false ? 'no grace' : 'default grace';
      if (collectGrace === false) {
        expect(summary.timedOutUids, variant).toEqual([1]);
        expect(summary.reported, variant).toBe(3);
      } else {
        expect(summary.timedOutUids, variant).toEqual([]);
        expect(summary.reported, variant).toBe(4);
        expect(summary.result, variant).toBe('ok');
      }
      await s.supervisor.stop();
      stop = undefined;
    }
  });

  it('a cycle whose every gist fetch failed is failed; a 404 still counts as reported, a network error does not', async () => {
    const s = await setup({
      gists: (hotkey) => ({
        fetch: async () => {
          if (hotkey === s.keys[0]!.address) throw new ServiceError('gist', 'HTTP 404', { status: 404, code: 'ERR_GIST_NOT_FOUND' });
          throw new ServiceError('gist', 'connect ECONNREFUSED', { retryable: false });
        },
      }),
    });
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    const summary = await s.supervisor.runCycle();
    expect(summary.result).toBe('failed');
    expect(summary.errors).toContain('gists: every fetch failed');
    expect(summary.coverage).toEqual({ reported: 1, expected: 4, ratio: 0.25 });
  });

  it('when histories cannot be read the cycle still persists, and no new scores replace the last ones', async () => {
    const s = await setup();
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    await s.supervisor.runCycle();
    expect(s.scores).toHaveLength(1);
    s.deps.sinks.snapshots.clear();
    const broken = new Supervisor({
      chain: s.chain as never,
      netuid: 89,
      selfHotkey: s.validator.address,
      createActor: (n, parent) => new MinerActor({ uid: n.uid, hotkey: n.hotkey, deps: s.deps, parent }),
      scorer: { score: async () => [] },
      history: { history: async () => Promise.reject(new Error('store unreachable')) },
      limiter: s.deps.limiter,
      policy: 'engagement',
      topMiners: 5,
      requireSignedSubmissions: false,
      cycleIntervalMs: 60_000,
      onScores: (x) => s.scores.push(x),
      logger: s.deps.logger,
      metrics: s.deps.metrics,
    });
    try {
      const summary = await broken.runCycle();
      expect(summary.scored).toBe(false);
      expect(summary.result).toBe('partial');
      expect(summary.errors).toEqual(['score: ERR_UNKNOWN']);
      expect(s.scores).toHaveLength(1);
    } finally {
      await broken.stop();
    }
  });

  it('compat original keys each cycle by its start minute; ours by the cycle grid', async () => {
    const now = new Date(Date.UTC(2026, 0, 1, 2, 20, 31));
    const aligned = await setup({ now });
    const original = await setup({ now, original: true });
    try {
      for (const s of [aligned, original]) s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
      expect((await aligned.supervisor.runCycle()).interval).toBe('2026-01-01-02-00');
      expect((await original.supervisor.runCycle()).interval).toBe('2026-01-01-02-20');
    } finally {
      await aligned.supervisor.stop();
      await original.supervisor.stop();
    }
  });

  it('validates its options', () => {
    expect(() => new Supervisor({ createActor: 1 } as never)).toThrow(/createActor must be a function/);
    expect(() => new Supervisor({ createActor: () => undefined, cycleIntervalMs: 0 } as never)).toThrow(RangeError);
    const valid = { createActor: () => undefined, cycleIntervalMs: 1_000, topMiners: 5 };
    expect(() => new Supervisor({ ...valid, collectGrace: 'yes' } as never)).toThrow(/collectGrace must be false or an object/);
    expect(() => new Supervisor({ ...valid, collectGrace: { stallMs: 0 } } as never)).toThrow(
      /options\.collectGrace\.stallMs must be a positive number, got 0/,
    );
    expect(() => new Supervisor({ ...valid, collectGrace: { maxMs: Number.NaN } } as never)).toThrow(RangeError);
  });
});
