import { describe, expect, it } from 'vitest';
import { parseList, parseSweepArgs } from '../../bench/loadtest/args.js';

describe('load-test flags', () => {
  it('has defaults for every flag', () => {
    expect(parseSweepArgs([])).toEqual({
      miners: [1024],
      submissions: [5],
      pools: [1, 2],
      batch: [64],
      trials: 2,
      realAi: false,
      aiLatencyMs: 0,
      latencyMs: 0,
      gistEtags: false,
      faults: null,
      retryAfterSeconds: 0,
      maxSeconds: 3600,
      out: 'loadtest-results',
      cpuPath: true,
      config: {},
    });
    expect(parseSweepArgs(['--no-cpu-path']).cpuPath).toBe(false);
    expect(parseSweepArgs(['--gist-etags']).gistEtags).toBe(true);
  });

  it('passes --faults and --retry-after to the stand-ins, checked by their parser first', () => {
    expect(parseSweepArgs(['--faults', 'youtube=0.05, apify=0.02:429', '--retry-after', '5'])).toMatchObject({ faults: 'youtube=0.05,apify=0.02:429', retryAfterSeconds: 5 });
    expect(() => parseSweepArgs(['--faults', 'vimeo=0.1'])).toThrow('--faults: unknown service "vimeo" in "vimeo=0.1" (expected youtube, apify, gist, sightengine, ai_detector)');
    expect(() => parseSweepArgs(['--faults', 'youtube=2'])).toThrow('--faults: rate "2" of youtube must be a number within [0, 1]');
    expect(() => parseSweepArgs(['--faults', 'youtube=0.1', '--faults', 'gist=0.1'])).toThrow('--faults must be given once');
    expect(() => parseSweepArgs(['--retry-after', '-1'])).toThrow('--retry-after must be an integer from 0 to 86400, got "-1"');
  });

  it('reads the documented sweep', () => {
    const args = parseSweepArgs(
      ['--miners', '256,1024,4095', '--submissions', '5,100', '--pools', '1,2,4', '--batch', '16,64,256', '--real-ai', '--ai-latency-ms', '50', '--max-seconds', '900', '--trials', '3'],
    );
    expect(args).toMatchObject({ miners: [256, 1024, 4095], submissions: [5, 100], pools: [1, 2, 4], batch: [16, 64, 256], realAi: true, aiLatencyMs: 50, maxSeconds: 900, trials: 3 });
  });

  it('passes validator options with --set, checked by the validator config', () => {
    expect(parseSweepArgs(['--set', 'memory.heap_growth_percent=0', '--set', 'pool.young_generation_mb=16']).config).toEqual({
      'memory.heap_growth_percent': '0',
      'pool.young_generation_mb': '16',
    });
    expect(() => parseSweepArgs(['--set', 'memory.heap_growth_percent=x'])).toThrow(/--set: --memory.heap_growth_percent: invalid value "x"; expected a whole number from 0 to 1000, in decimal digits/);
    expect(() => parseSweepArgs(['--set', 'colour=red'])).toThrow(/--set: unknown option --colour/);
    expect(() => parseSweepArgs(['--set', 'pool.threads=4'])).toThrow(/--set pool.threads: set by every run itself/);
    expect(() => parseSweepArgs(['--set', 'memory'])).toThrow(/--set "memory": expected <option>=<value>/);
  });

  it('sorts lists, drops duplicates and accepts repeated flags and spaces', () => {
    expect(parseList('pools', '4, 1,2,1')).toEqual([1, 2, 4]);
    expect(parseSweepArgs(['--pools', '2', '--pools', '1']).pools).toEqual([1, 2]);
  });

  it.each([
    [['--pools', '0'], /--pools: "0" is not an integer from 1 to 64/],
    [['--miners', '4096'], /--miners: "4096" is not an integer from 1 to 4095/],
    [['--batch', '8'], /--batch: "8" is not an integer from 16 to 100000/],
    [['--submissions', '1.5'], /--submissions: "1.5" is not an integer/],
    [['--miners', ','], /--miners needs at least one value/],
    [['--trials', '0'], /--trials must be an integer from 1 to 50/],
    [['--trials', 'x'], /--trials must be an integer from 1 to 50, got "x"/],
    [['--max-seconds', ''], /--max-seconds must be an integer from 10 to 604800, got ""/],
    [['--max-seconds', '5'], /--max-seconds must be an integer from 10/],
    [['--ai-latency-ms', '-1'], /--ai-latency-ms must be an integer from 0 to 60000/],
    [['--minerz', '5'], /Unknown argument: minerz/],
    [['256'], /Unknown argument: 256|unexpected argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSweepArgs(argv)).toThrow(message);
  });
});
