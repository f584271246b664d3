import { formatRao, renderTable, toJson } from '../../chain/inspect.js';
import { readSubnetWeights, type WeightsReaderChain } from '../../chain/weights-reader.js';
import { buildConsensusReport, type ConsensusReport } from '../../weights/consensus-report.js';

/**
 * `weights --compare`: our row next to the subnet's stake-weighted consensus and every permit
 * holder's row, as shares of 1. "Ours" is the wallet hotkey's uid, or --uid N.
 */

const pct = (share: number | undefined) => `${((share ?? 0) * 100).toFixed(2)}%`;

export async function compareWeights(
  client: WeightsReaderChain,
  options: { netuid: number; selfUid?: number; selfHotkey?: string; topK: number },
): Promise<ConsensusReport> {
  const read = await readSubnetWeights(client, options.netuid);
  return buildConsensusReport(read, {
    topK: options.topK,
    ...(options.selfUid !== undefined ? { selfUid: options.selfUid } : {}),
    ...(options.selfHotkey !== undefined ? { selfHotkey: options.selfHotkey } : {}),
  });
}

/** Uids anyone gives weight to, ascending. */
function weightedUids(report: ConsensusReport): number[] {
  const uids = new Set<number>([...report.ours.keys(), ...report.result.consensus.keys()]);
  for (const v of report.validators) for (const uid of v.weights.keys()) uids.add(uid);
  return [...uids].sort((a, b) => a - b);
}

export function compareJson(endpoint: string, report: ConsensusReport): string {
  const obj = (m: ReadonlyMap<number, number>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
  return toJson({
    endpoint,
    netuid: report.netuid,
    block: report.block,
    kappa: report.kappa,
    self: report.self,
    agreement: report.agreement,
    vtrust: report.vtrust,
    top_k: report.topK,
    validators: report.validators.map((v) => ({
      uid: v.uid,
      hotkey: v.hotkey,
      stake: v.stake,
      stake_share: v.stakeShare,
      active: v.active,
      agreement: v.agreement,
    })),
    uids: weightedUids(report).map((uid) => ({
      uid,
      ours: report.ours.get(uid) ?? 0,
      consensus: report.result.consensus.get(uid) ?? 0,
      consensus_raw: report.result.raw.get(uid) ?? 0,
      validators: obj(new Map(report.validators.map((v) => [v.uid, v.weights.get(uid) ?? 0]))),
    })),
  });
}

export function compareText(report: ConsensusReport): string {
  const self =
    report.self.uid === null ? 'not registered' : `uid ${report.self.uid}${report.self.hotkey ? ` (${report.self.hotkey})` : ''}`;
  const lines = [
    `netuid ${report.netuid} at finalized block ${report.block}, κ ${report.kappa.toFixed(4)}, ${report.validators.length} validators with a permit; ours: ${self}`,
    `agreement ${report.agreement.toFixed(4)} (vtrust estimate ${report.vtrust.toFixed(4)}), top-${report.topK.k} overlap ${report.topK.overlap.toFixed(2)}`,
    '',
  ];
  const validators = renderTable(
    ['validator', 'hotkey', 'stake (alpha)', 'stake share', 'active', 'agreement'],
    report.validators.map((v) => [
      String(v.uid),
      v.hotkey,
      formatRao(v.stake),
      pct(v.stakeShare),
      v.active ? 'yes' : 'no',
      v.agreement.toFixed(4),
    ]),
  );
  const table = renderTable(
    ['uid', 'ours', 'consensus', ...report.validators.map((v) => `v${v.uid} (${pct(v.stakeShare)})`)],
    weightedUids(report).map((uid) => [
      String(uid),
      pct(report.ours.get(uid)),
      pct(report.result.consensus.get(uid)),
      ...report.validators.map((v) => pct(v.weights.get(uid))),
    ]),
  );
  return [...lines, validators, table].join('\n');
}
