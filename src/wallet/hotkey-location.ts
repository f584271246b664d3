import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where a Bittensor wallet keeps a hotkey: `<path>/<name>/hotkeys/<hotkey>` (the `wallet` config section). */
export interface HotkeyLocation {
  readonly path: string;
  readonly name: string;
  readonly hotkey: string;
}

function checkSegment(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${option} must be a non-empty string`);
  // A name is one directory entry; separators or dot-segments would read files outside the wallet.
  if (/[/\\\0]/.test(value) || value === '.' || value === '..') {
    throw new TypeError(
      `${option} ${JSON.stringify(value)} must be a plain name, without '/', '\\' or dot segments`,
    );
  }
  return value;
}

/** Absolute path of the hotkey file; `~` at the start of `path` is the home directory. */
export function hotkeyFilePath(location: HotkeyLocation): string {
  if (location === null || typeof location !== 'object')
    throw new TypeError('wallet location must be an object');
  const { path } = location;
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError('wallet.path must be a non-empty string');
  const name = checkSegment(location.name, 'wallet.name');
  const hotkey = checkSegment(location.hotkey, 'wallet.hotkey');
  const root = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return join(resolve(root), name, 'hotkeys', hotkey);
}
