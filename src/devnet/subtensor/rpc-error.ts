/**
 * A JSON-RPC error as a Substrate node sends it: `code`, `message`, optional `data`.
 * @polkadot/api shows it as `${code}: ${message}: ${data}`.
 */
export class RpcError extends Error {
  readonly rpcCode: number;
  readonly data: string | undefined;

  constructor(code: number, message: string, data?: string) {
    super(data === undefined ? message : `${message}: ${data}`);
    this.name = 'RpcError';
    this.rpcCode = code;
    this.data = data;
  }

  toJSON(): { code: number; message: string; data?: string } {
    return this.data === undefined ? { code: this.rpcCode, message: this.message } : { code: this.rpcCode, message: this.message.slice(0, this.message.length - this.data.length - 2), data: this.data };
  }

  /** Substrate author RPC 1010: the runtime's `validate_transaction` said Invalid. */
  static invalid(detail: string): RpcError {
    return new RpcError(1010, 'Invalid Transaction', detail);
  }
}
