import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { cli } from '../helpers/cli.js';

describe('cli help, version and flag checks', () => {
  it('bare infinitevibe prints the usage to stderr and exits 2; --help and -h print it to stdout and exit 0', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: infinitevibe <command>/);
    for (const flag of ['--help', '-h']) {
      const help = await cli([flag]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: infinitevibe <command>/);
      for (const name of Object.keys(COMMANDS)) expect(help.stdout).toContain(`  ${name} `);
      expect(help.stdout).toContain('--subtensor.network finney|test|local|embedded|archive|latent-lite|subvortex|ws://HOST:PORT');
    }
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const argv of [['--version'], ['validate', '--version']]) {
      const run = await cli(argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it('miner <sub> --help (and help miner <sub>) lists only the flags that subcommand takes', async () => {
    for (const argv of [['miner', 'upload', '--help'], ['help', 'miner', 'upload']]) {
      const { code, stdout } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: infinitevibe miner upload VIDEO --bucket B --public-id ID/);
      expect(stdout).toMatch(/--append FILE\s+upload: append a checked line/);
      expect(stdout).toMatch(/--key KEY\s+upload: object key \(default: the video file's name\)/);
      expect(stdout).not.toContain('--gist USER:ID');
      expect(stdout).not.toContain('--verify');
      expect(stdout).toMatch(/--wallet\.name VALUE/);
    }
    const check = (await cli(['miner', 'check', '--help'])).stdout;
    expect(check).toMatch(/--validator-url URL/);
    expect(check).not.toContain('--bucket');
    // Without a subcommand, every miner flag.
    const all = (await cli(['miner', '--help'])).stdout;
    expect(all).toMatch(/^usage: infinitevibe miner \[flags\]/);
    for (const flag of ['--gist USER:ID', '--bucket NAME', '--verify', '--port N']) expect(all).toContain(flag);
  });

  it("validate --help lists --once and every config key with its default", async () => {
    const { code, stdout } = await cli(['validate', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: infinitevibe validate/);
    expect(stdout).toMatch(/--once\s+run one cycle.*\(default: false\)/);
    expect(stdout).toMatch(/--subtensor\.network finney\|test\|local\|embedded\|archive\|latent-lite\|subvortex\|ws:\/\/URL\s+default: finney/);
    expect(stdout).toMatch(/--submission_update_interval N\s+default: 7200/);
    expect(stdout).toMatch(/--logging\.stream stdout\|stderr\s+default: stdout/);
    expect(stdout).toMatch(/--logging\.level fatal\|error\|warn\|info\|debug\|trace\|silent\s+default: info/);
    // The variables operators of the original validator already set, next to their keys.
    expect(stdout).toMatch(/--mongodb\.uri VALUE\s+\(no default\); env MONGODB_URI/);
    expect(stdout).toMatch(/--youtube\.api_key VALUE\s+\(no default\); env YOUTUBE_API_KEY/);
    expect(stdout).toMatch(/--sightengine\.api_secret VALUE\s+\(no default\); env SIGHTENGINE_SECRET/);
    expect(stdout).toMatch(/--netuid N\s+default: 89; env NETUID/);
    expect(stdout).toMatch(/--logging\.debug\s+same as --logging\.level debug/);
    expect(stdout).not.toMatch(/--once N/);
  });

  it('devnet -h lists its own flags with defaults and no config keys', async () => {
    const { code, stdout } = await cli(['devnet', '-h']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--seed N/);
    expect(stdout).toMatch(/--scenario FILE\.json/);
    expect(stdout).toMatch(/--block-time-ms N\s+.*\(default: 1000\)/);
    expect(stdout).toMatch(/--port N\s+.*\(default: 9944; mongo: 27017\)/);
    expect(stdout).not.toContain('--wallet.name');
  });

  it('every command has its own help, and `help <command>` is the same page', async () => {
    const pages = new Set<string>();
    for (const name of Object.keys(COMMANDS)) {
      const run = await cli([name, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^usage: infinitevibe ${name}`));
      expect((await cli(['help', name])).stdout).toBe(run.stdout);
      pages.add(run.stdout);
    }
    expect(pages.size).toBe(Object.keys(COMMANDS).length);
  });

  it('an unknown flag exits 2 and names the nearest known one', async () => {
    const run = await cli(['config', '--wallet.nmae', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --wallet.nmae; did you mean --wallet.name?');
    const own = await cli(['devnet', '--block-time', '5']);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('did you mean --block-time-ms?');
    const far = await cli(['metagraph', '--frobnicate-everything']);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('unknown option --frobnicate-everything');
    expect(far.stderr).not.toContain('did you mean');
    const command = await cli(['valdate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "valdate"; did you mean "validate"?');
  });

  it('accepts the Bittensor logging switches', async () => {
    const run = await cli(['config', '--logging.debug']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).logging).toMatchObject({ level: 'debug', stream: 'stdout', record_log: false });
  });
});
