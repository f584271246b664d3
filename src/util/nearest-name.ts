import { closest, distance } from 'fastest-levenshtein';

/** The nearest known name within a typo's distance (a third of the name, at least 2 edits). */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  if (candidates.length === 0) return undefined;
  const best = closest(name, candidates);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
