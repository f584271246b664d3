import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseArgv } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load-config.js';

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
  image?: string;
  build?: string;
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
      expect(compose.services[name]!.environment?.['HEALTH_PORT'], name).toBeDefined();
      expect(compose.services[name]!.env_file, name).toBe('.env');
    }
  });

  it('runs commands the CLI accepts, with ports and URLs that agree', () => {
    const validator = configOf('validator');
    expect(validator.name).toBe('validate');
    expect(validator.config.services).toBe('http');
    expect(validator.config.mongodb.uri).toBe('mongodb://mongo:27017');
    expect(validator.config.wallet.path).toBe('/wallets');
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
    expect(scrape.scrape_configs[0]!.static_configs[0]!.targets).toEqual([`validator:${validator.config.metrics.port}`]);
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
  });
});
