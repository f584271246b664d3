import { RpcError } from '../rpc-error.js';

export function hexValue(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new RpcError(-32602, 'Invalid params', `${what} must be 0x-prefixed hex bytes`);
  return value.toLowerCase();
}

export function hexParam(p: readonly unknown[], i: number, what: string): string {
  return hexValue(p[i], what);
}

export function stringParam(p: readonly unknown[], i: number, what: string): string {
  const v = p[i];
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(-32602, 'Invalid params', `${what} must be a string`);
  return v;
}

export function arrayParam(p: readonly unknown[], i: number, what: string): unknown[] {
  const v = p[i];
  if (!Array.isArray(v)) throw new RpcError(-32602, 'Invalid params', `${what} must be an array`);
  return v;
}
