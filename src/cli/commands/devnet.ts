import type { CommandContext } from '../main.js';

export const description = 'devnet';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe devnet: not available in this build yet\n');
  return 1;
}
