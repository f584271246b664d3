import type { CommandContext } from '../main.js';

export const description = 'commitments';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe commitments: not available in this build yet\n');
  return 1;
}
