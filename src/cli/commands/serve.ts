import type { CommandContext } from '../main.js';

export const description = 'serve';

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('infinitevibe serve: not available in this build yet\n');
  return 1;
}
