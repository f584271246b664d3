import type { CommandContext } from '../main.js';

export const description = 'commit';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe commit: not available in this build yet\n');
  return 1;
}
