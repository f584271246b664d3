import { describe, expect, it } from 'vitest';
import {
  ChainDisconnectedError,
  ChainError,
  ChainModuleError,
  ChainTimeoutError,
  ChainTransactionRejectedError,
  StoreUnavailableError,
} from '../../src/errors.js';
import { decideRetry } from '../../src/weights/retry-policy.js';

describe('decideRetry (error → action)', () => {
  const rows: Array<[string, unknown, ReturnType<typeof decideRetry>]> = [
    ['SettingWeightsTooFast', new ChainModuleError('SubtensorModule', 'SettingWeightsTooFast'), { action: 'wait_rate_limit', result: 'rate_limited', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_SettingWeightsTooFast' }],
    ['CommittingWeightsTooFast', new ChainModuleError('SubtensorModule', 'CommittingWeightsTooFast'), { action: 'wait_rate_limit', result: 'rate_limited', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_CommittingWeightsTooFast' }],
    ['RevealTooEarly', new ChainModuleError('SubtensorModule', 'RevealTooEarly'), { action: 'wait_rate_limit', result: 'rate_limited', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_RevealTooEarly' }],
    ['CommitRevealEnabled', new ChainModuleError('SubtensorModule', 'CommitRevealEnabled'), { action: 'wait_block', result: 'error', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_CommitRevealEnabled' }],
    ['CommitRevealDisabled', new ChainModuleError('SubtensorModule', 'CommitRevealDisabled'), { action: 'wait_block', result: 'error', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_CommitRevealDisabled' }],
    ['IncorrectWeightVersionKey', new ChainModuleError('SubtensorModule', 'IncorrectWeightVersionKey'), { action: 'give_up', result: 'error', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_IncorrectWeightVersionKey' }],
    ['NeuronNoValidatorPermit', new ChainModuleError('SubtensorModule', 'NeuronNoValidatorPermit'), { action: 'give_up', result: 'error', mayHaveLanded: false, code: 'ERR_CHAIN_MODULE_NeuronNoValidatorPermit' }],
    ['pool rejection', new ChainTransactionRejectedError(1010, 'Custom error: 6'), { action: 'wait_block', result: 'error', mayHaveLanded: false, code: 'ERR_CHAIN_TX_REJECTED' }],
    ['disconnect', new ChainDisconnectedError('lost'), { action: 'wait_reconnect', result: 'error', mayHaveLanded: true, code: 'ERR_CHAIN_DISCONNECTED' }],
    ['inclusion timeout', new ChainTimeoutError('not included'), { action: 'wait_reconnect', result: 'error', mayHaveLanded: true, code: 'ERR_CHAIN_TIMEOUT' }],
    ['store down before sending', new StoreUnavailableError('down'), { action: 'pause', result: 'error', mayHaveLanded: false, code: 'ERR_STORE_UNAVAILABLE' }],
    ['non-module dispatch error', new ChainError('failed: Other', 'ERR_CHAIN_DISPATCH'), { action: 'pause', result: 'error', mayHaveLanded: true, code: 'ERR_CHAIN_DISPATCH' }],
    ['a plain Error', new Error('boom'), { action: 'pause', result: 'error', mayHaveLanded: true, code: 'ERR_UNKNOWN' }],
  ];
  it.each(rows)('%s', (_name, error, expected) => {
    expect(decideRetry(error)).toEqual(expected);
  });
});
