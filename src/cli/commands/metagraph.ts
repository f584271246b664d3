import type { CommandContext } from '../main.js';

export const description = 'metagraph';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe metagraph: not available in this build yet\n');
  return 1;
}
