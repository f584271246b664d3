/** `value` if it is an integer >= 1, else a RangeError naming the option: `<name> must be a positive integer, got <value>`. */
export function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}
