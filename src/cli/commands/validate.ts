import type { CommandContext } from '../main.js';

export const description = 'validate';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe validate: not available in this build yet\n');
  return 1;
}
