import type { Server } from 'node:net';

/** Starts `server` on `host:port`; resolves once bound, rejects with the listen error (EADDRINUSE, EACCES, …). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(err);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
