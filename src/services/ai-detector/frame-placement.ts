import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Where in a video the detector takes its frames. The verdict is the mean over these frames
 * only, so whoever knows them can decide it: a human video carrying an AI still at each sampled
 * point (a flash a viewer hardly sees) scores as AI. The original drew frames at random on every
 * check; fixed midpoints of equal slices would tell every miner exactly where to put the stills.
 *
 * - `midpoints`: the midpoint of each of `frames` equal slices (kept for `compat: original`).
 * - `keyed`: one point in each slice, at an offset derived from a key of the validator's own and
 *   the file's sha256. A miner knows neither the key nor, before the upload is final, the
 *   points, and one file's points say nothing about another's; the same file under the same key
 *   gets the same frames, so a re-check costs no SightEngine call (frames are cached by hash).
 */
export type FramePlacement = 'midpoints' | 'keyed';

export const PLACEMENT_KEY_BYTES = 32;

/** A fresh placement key: a sampler not given one (the runtime derives one) draws its own. */
export function newPlacementKey(): Buffer {
  return randomBytes(PLACEMENT_KEY_BYTES);
}

/** Timestamps (seconds) of `frames` stills over `duration`, one per equal slice, in time order. */
export function frameTimestamps(
  duration: number,
  frames: number,
  placement: FramePlacement,
  key: Uint8Array,
  fileId: string,
): number[] {
  return Array.from({ length: frames }, (_, i) => (duration * (i + offsetIn(i, frames, placement, key, fileId))) / frames);
}

/** Offset in [0, 1) within slice `i`: 0.5 for midpoints, else 48 bits of an HMAC. */
function offsetIn(i: number, frames: number, placement: FramePlacement, key: Uint8Array, fileId: string): number {
  if (placement === 'midpoints') return 0.5;
  const mac = createHmac('sha256', key).update(`infinitevibe:frames:v1:${fileId}:${frames}:${i}`).digest();
  return mac.readUIntBE(0, 6) / 2 ** 48;
}

/** The file's sha256 (hex), read as a stream: downloads are up to 200 MiB. */
export async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, signal ? { signal } : {})) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
