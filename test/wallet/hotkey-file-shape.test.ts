import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADDRESS, MNEMONIC, walletError } from './helpers.js';
import { hotkeyFilePath, loadHotkey } from '../../src/wallet/index.js';

// btwallet's own test vector (tests/test_keyfile.py).

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iv-wallet-shape-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function location(): Promise<{ path: string; name: string; hotkey: string; file: string }> {
  const loc = { path: root, name: `w${n++}`, hotkey: 'default' };
  await mkdir(join(root, loc.name, 'hotkeys'), { recursive: true });
  return { ...loc, file: hotkeyFilePath(loc) };
}


describe('loadHotkey: what the hotkey path points at', () => {
  it('refuses a FIFO instead of waiting for a writer', async () => {
    const loc = await location();
    execFileSync('mkfifo', [loc.file]);
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_INVALID');
    expect(error.message).toBe(`hotkey file ${loc.file}: is not a regular file`);
  });

  it('refuses a symlink to a device, and follows one to a real hotkey file', async () => {
    const dev = await location();
    await symlink('/dev/zero', dev.file);
    expect((await walletError(loadHotkey(dev))).message).toBe(`hotkey file ${dev.file}: is not a regular file`);

    const real = join(root, 'real-hotkey');
    await writeFile(real, JSON.stringify({ secretPhrase: MNEMONIC }), { mode: 0o600 });
    const linked = await location();
    await symlink(real, linked.file);
    expect((await loadHotkey(linked)).address).toBe(ADDRESS);
  });

  it('refuses a file far larger than any hotkey without reading it all', async () => {
    const loc = await location();
    await writeFile(loc.file, `{"secretPhrase": "${MNEMONIC}", "pad": "${'x'.repeat(70 * 1024)}"}`);
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_INVALID');
    expect(error.message).toBe(`hotkey file ${loc.file}: is larger than 64 KiB; a hotkey file is under 1 KiB`);
  });

  it('refuses bytes that are not UTF-8, without echoing them', async () => {
    const loc = await location();
    await writeFile(loc.file, Buffer.concat([Buffer.from(`{"secretPhrase": "${MNEMONIC}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    const error = await walletError(loadHotkey(loc));
    expect(error.message).toBe(`hotkey file ${loc.file}: is not UTF-8 text`);
    expect(error.message).not.toContain('leopard');
  });

  it('still names a binary NaCl-encrypted file as encrypted', async () => {
    const loc = await location();
    await writeFile(loc.file, Buffer.concat([Buffer.from('$NACL'), Buffer.from([0xff, 0x00, 0x80, 0xfe])]));
    expect((await walletError(loadHotkey(loc))).message).toMatch(/is NaCl-encrypted; infinitevibe \(the validator and the miner toolkit\) needs an unencrypted hotkey/);
  });

  it('says a dangling symlink points nowhere', async () => {
    const loc = await location();
    await symlink(join(root, 'gone'), loc.file);
    const error = await walletError(loadHotkey(loc));
    expect(error.code).toBe('ERR_WALLET_NOT_FOUND');
    expect(error.message).toMatch(new RegExp(`^hotkey file ${loc.file} does not exist`));
  });
});
