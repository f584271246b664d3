import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, parseArgv } from '../../src/cli/main.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('cli', () => {
  it('keeps dotted Bittensor flags flat', () => {
    const { command, flags } = parseArgv(['metagraph', '--netuid', '89', '--wallet.name', 'w', '--json']);
    expect(command).toBe('metagraph');
    expect(flags).toMatchObject({ netuid: '89', 'wallet.name': 'w', json: true });
  });

  it('prints the resolved config and fails a bad flag with exit 2', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['config', '--netuid', '5'], { stdout: out.stream, stderr: err.stream })).toBe(0);
    expect(JSON.parse(out.text()).netuid).toBe(5);
    expect(await main(['config', '--netuid', 'x'], { stdout: out.stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/configuration error: --netuid: invalid value "x"/);
  });

  it('rejects an unknown command', async () => {
    const err = capture();
    expect(await main(['frobnicate'], { stdout: capture().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/unknown command "frobnicate"/);
  });

  it('prints the usage for help and --help (exit 0), a command\'s own help, and with no command usage on stderr (exit 2)', async () => {
    for (const argv of [['help'], ['--help']]) {
      const out = capture();
      expect(await main(argv, { stdout: out.stream, stderr: capture().stream })).toBe(0);
      expect(out.text()).toMatch(/^usage: infinitevibe <command> \[flags\]/);
    }
    const own = capture();
    expect(await main(['metagraph', '--help'], { stdout: own.stream, stderr: capture().stream })).toBe(0);
    expect(own.text()).toMatch(/^usage: infinitevibe metagraph \[flags\]/);
    const err = capture();
    expect(await main([], { stdout: capture().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain('commands:');
  });

  it('keeps a boolean flag only when it was given', () => {
    expect(parseArgv(['metagraph']).flags).not.toHaveProperty('json');
    expect(parseArgv(['metagraph', '--json=false']).flags).toMatchObject({ json: false });
  });
});
