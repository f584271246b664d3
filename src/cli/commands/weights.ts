import type { CommandContext } from '../main.js';

export const description = 'weights';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe weights: not available in this build yet\n');
  return 1;
}
