/**
 * sr25519 verification throughput on one thread: the WASM path the signature workers use versus
 * the pure-JS path of @polkadot/util-crypto 14 (@scure/sr25519), plus the full gist-line check
 * (message building, SS58 decode, hex parse) around the raw verify. The contenders run in
 * alternating short slices so that load from other processes hits both alike.
 */
import { Keyring } from '@polkadot/keyring';
import { sr25519Verify as wasmVerify } from '@polkadot/wasm-crypto';
import { sr25519Verify as jsVerify } from '@polkadot/util-crypto';
import { hexToU8a } from '@polkadot/util';
import {
  initCrypto,
  signSubmission,
  signedLineMessage,
  verifyBatch,
  verifySubmissionSignature,
  verifySubmissionSignatureJs,
  type VerifyItem,
} from '../src/crypto/index.js';

const NETUID = 89;
const SLICE_MS = 150;

interface Contender {
  readonly label: string;
  /** Verifications done by one call. */
  readonly perCall: number;
  readonly run: () => boolean;
}

function measure(contenders: readonly Contender[], rounds: number): number[] {
  const ops = contenders.map(() => 0);
  const ms = contenders.map(() => 0);
  for (const c of contenders)
    for (let i = 0; i < 10; i++) if (!c.run()) throw new Error(`${c.label}: verification failed`);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, i) => {
      const start = performance.now();
      let elapsed = 0;
      let calls = 0;
      while (elapsed < SLICE_MS) {
        if (!c.run()) throw new Error(`${c.label}: verification failed`);
        calls++;
        elapsed = performance.now() - start;
      }
      ops[i]! += calls * c.perCall;
      ms[i]! += elapsed;
    });
  }
  return contenders.map((c, i) => {
    const perSecond = (ops[i]! / ms[i]!) * 1000;
    process.stdout.write(`${c.label.padEnd(48)} ${perSecond.toFixed(0).padStart(8)} verifies/s\n`);
    return perSecond;
  });
}

export default async function bench(): Promise<void> {
  await initCrypto();
  const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//InfiniteVibe/bench');
  const submission = {
    platform: 'instagram/reel',
    content_id: 'C9xYz_AbCdE',
    direct_video_url: 'https://scontent.cdninstagram.com/v/t50.2886-16/123456789_n.mp4?efg=abc',
  };
  const signatureHex = signSubmission(NETUID, submission, pair);
  const signed = { ...submission, signature: signatureHex };
  const message = signedLineMessage(NETUID, submission);
  const signature = hexToU8a(signatureHex);
  const publicKey = pair.publicKey;
  const batch: VerifyItem[] = Array.from({ length: 64 }, () => ({
    netuid: NETUID,
    submission: signed,
    hotkey: pair.address,
  }));

  const [wasm, js] = measure(
    [
      {
        label: 'raw sr25519 verify, WASM (wasm-crypto)',
        perCall: 1,
        run: () => wasmVerify(signature, message, publicKey),
      },
      {
        label: 'raw sr25519 verify, pure JS (util-crypto 14)',
        perCall: 1,
        run: () => jsVerify(message, signature, publicKey),
      },
    ],
    8,
  );
  process.stdout.write(`raw verify ratio WASM / pure JS: ${(wasm! / js!).toFixed(1)}×\n`);

  const [line, lineJs, batched] = measure(
    [
      {
        label: 'gist-line check, WASM',
        perCall: 1,
        run: () => verifySubmissionSignature(NETUID, signed, pair.address) === 'valid',
      },
      {
        label: 'gist-line check, pure JS',
        perCall: 1,
        run: () => verifySubmissionSignatureJs(NETUID, signed, pair.address) === 'valid',
      },
      {
        label: 'verifyBatch of 64, WASM',
        perCall: 64,
        run: () => verifyBatch(batch).every((v) => v === 'valid'),
      },
    ],
    4,
  );
  process.stdout.write(`gist-line check ratio WASM / pure JS: ${(line! / lineJs!).toFixed(1)}×\n`);
  process.stdout.write(`verifyBatch / single-call rate: ${(batched! / line!).toFixed(2)}\n`);
}
