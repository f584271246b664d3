/**
 * What to tell an operator whose hotkey file cannot be read for lack of permission. btcli writes
 * hotkeys 0600 for the host user, so a container running under another uid (the image's 10001)
 * meets EACCES on its first start; the fix is to run the container as the file's owner.
 */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

export function permissionHint(file: string, owner: FileOwner | null, processUid: number | null): string {
  const who = processUid === null ? 'this process' : `this process runs as uid ${processUid}`;
  if (!owner) {
    return `hotkey file ${file}: permission denied (${who}); make the wallet folder readable by that user, or run as the wallet's owner (docker compose: UID and GID in .env)`;
  }
  const mode = (owner.mode & 0o777).toString(8).padStart(4, '0');
  return (
    `hotkey file ${file}: permission denied: it belongs to uid ${owner.uid} (mode ${mode}) and ${who}. ` +
    `With docker compose, put UID=${owner.uid} and GID=${owner.gid} in .env (the containers run as that user) and restart; ` +
    `otherwise run the validator as uid ${owner.uid} or let it read the file (chmod/chown)`
  );
}
