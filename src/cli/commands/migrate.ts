import type { CommandContext } from '../main.js';

export const description = "show a running validator's state";

export async function run({ stderr }: CommandContext): Promise<number> {
  stderr.write('not yet\n');
  return 1;
}
