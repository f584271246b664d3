import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { parseDevnetMongoFlags } from '../../src/cli/commands/devnet-mongo.js';
import { parseDevnetStandinsFlags } from '../../src/cli/commands/devnet-standins.js';
import { main } from '../../src/cli/main.js';
import { ConfigError } from '../../src/errors.js';
import { HttpAiDetectorClient } from '../../src/services/ai-detector/http-ai-detector-client.js';
import { useCliProcesses, type CliProcess } from '../helpers/cli-process.js';

const processes = useCliProcesses();

/** Starts the CLI in its own process and resolves with its first JSON line. */
const startCli = (args: string[]): Promise<CliProcess> => processes.start(args);

describe('infinitevibe devnet mongo | standins', () => {
  it('checks their flags', () => {
    expect(parseDevnetMongoFlags({ port: '0', 'data-dir': '/tmp/x' })).toEqual({ port: 0, host: '127.0.0.1', dataDir: '/tmp/x' });
    expect(() => parseDevnetMongoFlags({ port: '70000' })).toThrow(ConfigError);
    expect(() => parseDevnetMongoFlags({ port: '70000' })).toThrow('--port must be an integer from 0 to 65535, got "70000"');
    expect(parseDevnetStandinsFlags({ miners: '8', 'ai-latency-ms': '5' })).toMatchObject({ miners: 8, submissions: 5, aiLatencyMs: 5, latencyMs: 0, netuid: 89 });
    expect(() => parseDevnetStandinsFlags({ miners: '5000' })).toThrow('--miners must be an integer from 0 to 4095, got "5000"');
    expect(() => parseDevnetStandinsFlags({ submissions: '0' })).toThrow('--submissions must be an integer from 1 to 10000, got "0"');
    expect(parseDevnetStandinsFlags({}).gistEtags).toBe(true);
    expect(parseDevnetStandinsFlags({ 'gist-etags': 'off' }).gistEtags).toBe(false);
    expect(() => parseDevnetStandinsFlags({ 'gist-etags': 'maybe' })).toThrow('--gist-etags must be on or off');
  });

  it('--help gives the sub-commands\' own defaults for --port and --miners', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await main(['devnet', '--help'], { stdout: out, stderr: new PassThrough() })).toBe(0);
    expect(parseDevnetMongoFlags({}).port).toBe(27017);
    expect(parseDevnetStandinsFlags({}).miners).toBe(64);
    expect(text).toMatch(/--port N .*\(default: 9944; mongo: 27017\)/);
    expect(text).toMatch(/--miners N .*\(default: 256; standins: 64\)/);
    // Which of the three processes takes each of the node's flags (the others refuse it).
    expect(text).toMatch(/--port N\s+node, mongo: port to listen on/);
    expect(text).toMatch(/--host ADDR\s+node, mongo: address to bind/);
    expect(text).toMatch(/--block-time-ms N\s+node: milliseconds between blocks/);
    expect(text).toMatch(/--scenario FILE\.json\s+node: /);
  });

  it('rejects an unknown sub-command with exit 2', async () => {
    const err = new PassThrough();
    let text = '';
    err.on('data', (c: Buffer) => (text += c.toString()));
    expect(await main(['devnet', 'postgres'], { stdout: new PassThrough(), stderr: err })).toBe(2);
    expect(text).toMatch(/unknown sub-command "postgres"/);
  });

  it.each([
    [['devnet', 'mongo', '--port', '0', '--miners', '5'], 'devnet mongo does not take --miners; it takes --port, --host, --data-dir'],
    [['devnet', 'standins', '--port', '0'], 'devnet standins does not take --port; it takes --miners, --submissions,'],
    [['devnet', '--port', '0', '--data-dir', '/tmp/x'], 'devnet does not take --data-dir; it takes --port, --host, --miners,'],
    // Underscore spellings reach the schema (and its checks) instead of being dropped.
    [['devnet', '--port', '0', '--block_time_ms', '0x5'], '--block-time-ms must be an integer from 10 to 3600000, got "0x5"'],
    [['devnet', 'standins', '--gist_etags', 'maybe'], '--gist-etags must be on or off'],
  ])('refuses %j with exit 2 instead of starting without it', async (argv, message) => {
    const err = new PassThrough();
    let text = '';
    err.on('data', (c: Buffer) => (text += c.toString()));
    expect(await main(argv, { stdout: new PassThrough(), stderr: err })).toBe(2);
    expect(text).toContain(`configuration error: ${message}`);
  });

  it('devnet mongo serves the official driver and stops cleanly on SIGTERM', async () => {
    const { child, info, exited } = await startCli(['devnet', 'mongo', '--port', '0']);
    expect(info['service']).toBe('mongo');
    const client = new MongoClient(String(info['uri']), { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.db('t').collection('c').insertOne({ _id: 'a' as never, n: 1 });
      expect(await client.db('t').collection('c').findOne({ n: 1 })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await client.close();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('devnet standins serves the scenario, its neurons, an AI detector and a clock control', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'standins-'));
    try {
      const neuronsFile = join(dir, 'neurons.json');
      const { child, info, exited } = await startCli(['devnet', 'standins', '--miners', '4', '--submissions', '2', '--neurons-file', neuronsFile]);
      const seed = JSON.parse(await readFile(neuronsFile, 'utf8')) as { netuid: number; neurons: Array<{ commitment?: string; stake: string }>; hyperparameters: Record<string, number> };
      expect(seed.netuid).toBe(89);
      expect(seed.neurons).toHaveLength(5);
      expect(seed.hyperparameters['weightsSetRateLimit']).toBe(10);
      const [user, gistId] = seed.neurons[1]!.commitment!.split(':');
      const gist = await fetch(`${String(info['gist'])}/${user}/${gistId}/raw`);
      expect(gist.status).toBe(200);
      const line = JSON.parse((await gist.text()).split('\n')[0]!) as { direct_video_url: string };
      expect(line.direct_video_url.startsWith(String(info['video']))).toBe(true);

      const detector = new HttpAiDetectorClient({ baseUrl: String(info['ai_detector']) });
      const result = await detector.detect(line.direct_video_url);
      await detector.close();
      expect(result.mean_ai_generated).toBeGreaterThanOrEqual(0);
      expect(result.per_frame).toEqual([result.mean_ai_generated]);

      const control = String(info['control']);
      const advanced = (await (await fetch(`${control}/clock/advance?ms=7200000`, { method: 'POST' })).json()) as { now: number };
      expect(advanced.now).toBe(Number(info['clock_ms']) + 7_200_000);
      expect(((await (await fetch(`${control}/clock`)).json()) as { now: number }).now).toBe(advanced.now);
      expect((await fetch(`${control}/clock/advance?ms=-1`, { method: 'POST' })).status).toBe(422);
      expect(await (await fetch(`${control}/stats`)).json()).toMatchObject({ gist: 1, ai_detector: 1 });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
