import { describe, expect, it } from 'vitest';
import { permissionHint } from '../../src/wallet/permission-hint.js';

describe('permissionHint', () => {
  it('names the owner, the mode, the process uid and the .env lines that fix a compose start', () => {
    const text = permissionHint('/wallets/default/hotkeys/default', { uid: 1000, gid: 1001, mode: 0o100600 }, 10001);
    expect(text).toBe(
      'hotkey file /wallets/default/hotkeys/default: permission denied: it belongs to uid 1000 (mode 0600) and this process runs as uid 10001. ' +
        'With docker compose, put UID=1000 and GID=1001 in .env (the containers run as that user) and restart; ' +
        'otherwise run the validator as uid 1000 or let it read the file (chmod/chown)',
    );
  });

  it('still says what to do when the owner cannot be read', () => {
    expect(permissionHint('/w/h', null, null)).toMatch(/permission denied \(this process\); .*UID and GID in \.env/);
  });
});
