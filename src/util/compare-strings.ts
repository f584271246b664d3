/** UTF-16 code-unit order, as `<` compares strings: a sort comparator that needs no locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
