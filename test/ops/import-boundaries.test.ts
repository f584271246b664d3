import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const RULE = 'import-x/no-restricted-paths';

/** Lints `code` as if it were the file at `filePath`, with the repository's eslint.config.js. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('import boundaries (eslint.config.js)', () => {
  it('rejects product code importing a stand-in', async () => {
    const errors = await boundaryErrors('src/store/example.ts', "import { EmbeddedMongoServer } from '../devnet/mongo/embedded-mongo-server.js';\nexport const s = EmbeddedMongoServer;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/src\/store sits below src\/devnet/);
  });

  it('rejects an import from a higher layer', async () => {
    const actors = await boundaryErrors('src/actors/example.ts', "import type { CycleSummary } from '../supervisor/supervisor.js';\nexport type S = CycleSummary;\n");
    expect(actors).toEqual([expect.stringMatching(/src\/actors sits below src\/supervisor/)]);
    const formats = await boundaryErrors('src/formats/example.ts', "import type { Config } from '../config/load-config.js';\nexport type C = Config;\n");
    expect(formats).toEqual([expect.stringMatching(/src\/formats sits below src\/config/)]);
  });

  it('keeps the supervisor and the weight committer apart', async () => {
    const errors = await boundaryErrors('src/weights/example.ts', "import type { CycleSummary } from '../supervisor/supervisor.js';\nexport type S = CycleSummary;\n");
    expect(errors).toEqual([expect.stringMatching(/src\/weights sits below src\/supervisor/)]);
  });

  it('limits worker threads to pool, scoring, crypto and formats', async () => {
    const errors = await boundaryErrors('workers/example.ts', "import { openStore } from '../src/store/open-store.js';\nexport const o = openStore;\n");
    expect(errors).toEqual([expect.stringMatching(/worker threads import only/)]);
  });

  it('accepts imports that point down, and stand-ins composed by the runtime', async () => {
    expect(await boundaryErrors('src/actors/example.ts', "import type { CycleScores } from '../scoring/cycle-types.js';\nexport type S = CycleScores;\n")).toEqual([]);
    expect(await boundaryErrors('src/formats/example.ts', "import { PLATFORMS } from '../config/defaults.js';\nexport const p = PLATFORMS;\n")).toEqual([]);
    expect(await boundaryErrors('src/runtime/example.ts', "import { SubtensorDevnet } from '../devnet/subtensor/index.js';\nexport const d = SubtensorDevnet;\n")).toEqual([]);
  });
});
