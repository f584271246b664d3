import type { Readable } from 'node:stream';

/**
 * A response body, whole, as one Buffer; rejects with `tooLarge()` as soon as more than
 * `maxBytes` have arrived, and drops the rest of the stream.
 *
 * Listeners rather than `for await`: an async iterator per response (a generator, an
 * end-of-stream watcher and a promise per chunk) was a measurable share of the main thread at a
 * thousand small responses a cycle, and these bodies are read whole anyway.
 */
export function readCappedBody(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        discardBody(body);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    // Destroyed without an error before its end: as `for await` would, say so rather than wait.
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('response body closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}

/** Drops a response body; undici reports the abort as an 'error' nobody needs to hear. */
export function discardBody(body: { on(event: 'error', listener: () => void): unknown; destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}
