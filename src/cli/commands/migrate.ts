import { MongoClient } from 'mongodb';
import { splitFlags, toJson } from '../../chain/inspect.js';
import { redactUserinfo } from '../../config/describe-value.js';
import { gistLimitsFromConfig } from '../../config/gist-limits.js';
import { mongoUriProblem } from '../../config/value-schemas.js';
import { ConfigError, StoreUnavailableError } from '../../errors.js';
import { openStore } from '../../runtime/open-store.js';
import { ORIGINAL_COLLECTIONS, migrateOriginal } from '../../store/migrate-original.js';
import type { FlagSpec } from '../help.js';
import { pickText } from '../flag-values.js';
import type { CommandContext } from '../main.js';

export const description = "import the Python validator's stored history (performances-0.0.2) into this validator's store";

export const usage = 'migrate --from mongodb://HOST/ [--db tensorflix] [--dry-run] [flags]';

export const flags: readonly FlagSpec[] = [
  { name: 'from', value: 'URI', description: "the original validator's MongoDB (required)" },
  { name: 'db', value: 'NAME', description: 'its database', default: 'tensorflix' },
  { name: 'dry-run', description: 'count what would be imported; write nothing', default: false },
  { name: 'json', description: 'print the counts as JSON', default: false },
];

export async function run({ flags: raw, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(raw, ['from', 'db', 'dry-run', 'dry_run', 'json']);
  // Given twice or without a value, the flag is named as such, not reported missing.
  const from = pickText(own, 'from');
  if (from === undefined || !/^mongodb(\+srv)?:\/\//.test(from)) {
    throw new ConfigError('migrate needs --from mongodb://HOST[:PORT]/ (the original validator\'s database)', '--from');
  }
  const fromProblem = mongoUriProblem(from);
  if (fromProblem) throw new ConfigError(`--from: invalid value ${redactUserinfo(from)}; expected ${fromProblem}`, '--from');
  const db = pickText(own, 'db') ?? 'tensorflix';
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(db)) throw new ConfigError(`--db: invalid value ${JSON.stringify(db)}; expected 1-63 letters, digits, _ or -`, '--db');
  const dryRun = own['dry-run'] === true || own['dry_run'] === true || own['dry-run'] === 'true';
  if (config.mongodb.uri === undefined && config.mongodb.data_dir === undefined) {
    // An in-memory embedded store would forget the import on exit.
    throw new ConfigError('migrate needs a lasting target: --mongodb.uri URI (or --mongodb.data_dir DIR for the embedded store)', '--mongodb.uri');
  }

  const source = new MongoClient(from, { serverSelectionTimeoutMS: 10_000, appName: 'infinitevibe-migrate' });
  try {
    await source.connect();
  } catch (cause) {
    throw new StoreUnavailableError(`cannot reach ${redactUserinfo(from)}: ${(cause as Error).message}`, { cause });
  }
  const target = await openStore({ uri: config.mongodb.uri, db: config.mongodb.db, dataDir: config.mongodb.data_dir });
  try {
    const names = new Set((await source.db(db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    if (!names.has(ORIGINAL_COLLECTIONS.performances)) {
      throw new ConfigError(`database ${db} has no ${ORIGINAL_COLLECTIONS.performances} collection; is --db right?`, '--db');
    }
    const counts = await migrateOriginal({ source: source.db(db), target, gistRules: gistLimitsFromConfig(config), dryRun });
    if (own['json']) {
      stdout.write(toJson({ from: db, to: config.mongodb.db, dry_run: dryRun, ...counts }));
    } else {
      const skipped = Object.entries(counts.skipped).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      stdout.write(
        `${dryRun ? 'dry run: ' : ''}${counts.performances} performance documents, ${counts.entries} interval entries: ` +
          `${counts.inserted} snapshots ${dryRun ? 'would be ' : ''}imported, ${counts.existing} already present, ` +
          `${counts.submission_lists ?? 0} submissions lists ${dryRun ? 'would be ' : ''}imported, skipped: ${skipped}\n`,
      );
    }
    return 0;
  } finally {
    await target.close();
    await source.close();
  }
}
