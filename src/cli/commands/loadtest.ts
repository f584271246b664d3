import type { CommandContext } from '../main.js';

export const description = 'loadtest';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe loadtest: not available in this build yet\n');
  return 1;
}
