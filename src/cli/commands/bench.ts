import type { CommandContext } from '../main.js';

export const description = 'bench';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe bench: not available in this build yet\n');
  return 1;
}
