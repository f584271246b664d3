/**
 * What is there when a hotkey file is not: a miner who forgot `--wallet.name` or typed the
 * hotkey's name sees the names to pick from instead of only the path that does not exist.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { escapeUntrusted } from '../formats/escape-untrusted.js';

const MAX_NAMES = 10;

async function names(dir: string, kind: 'dir' | 'file'): Promise<string[] | null> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => (kind === 'dir' ? e.isDirectory() : e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort();
  } catch {
    return null;
  }
}

const list = (found: readonly string[]): string =>
  escapeUntrusted(found.slice(0, MAX_NAMES).join(', ') + (found.length > MAX_NAMES ? `, … (${found.length} in all)` : ''), 400);

/** `<path>/<name>/hotkeys/<hotkey>` → a sentence about the nearest folder that exists. */
export async function missingHotkeyHint(file: string): Promise<string> {
  const hotkeys = dirname(file);
  const wallet = dirname(hotkeys);
  const root = dirname(wallet);
  // btcli keeps each hotkey's public half next to it as `<hotkey>pub.txt`.
  const keys = (await names(hotkeys, 'file'))?.filter((n) => !n.endsWith('pub.txt')) ?? null;
  if (keys !== null) return keys.length > 0 ? `hotkeys of wallet ${basename(wallet)}: ${list(keys)} (--wallet.hotkey)` : `wallet ${basename(wallet)} has no hotkeys`;
  const wallets = await names(root, 'dir');
  if (wallets !== null) return wallets.length > 0 ? `wallets in ${root}: ${list(wallets)} (--wallet.name)` : `${root} holds no wallets`;
  return `there is no wallet folder ${root} (--wallet.path)`;
}
