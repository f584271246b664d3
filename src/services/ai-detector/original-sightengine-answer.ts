/**
 * A SightEngine genai answer read as the original detector reads it (`compat: original`;
 * query_sightengine in tensorflix/services/ai_detector/app.py @ ea86bf9): HTTP 200 and
 * `status == "success"`, then `float(result["type"].get("ai_generated", 0.0))`. A success without
 * the score is a frame scored 0.0 there, and a bool or a numeric string is what Python's float()
 * makes of it; anything float() refuses (null, a list, a word) skips the frame, as does a `type`
 * that is missing or not an object.
 *
 * Returns the score, or undefined when the original would skip the frame. A score float() reads
 * outside [0, 1] or not finite is undefined too: SightEngine's probabilities are within [0, 1],
 * and the verdicts and frames stored here hold only such values (README, "Input read differently
 * from the original").
 */
export function originalFrameScore(body: unknown): number | undefined {
  if (!isRecord(body) || body['status'] !== 'success') return undefined;
  const type = body['type'];
  if (!isRecord(type)) return undefined;
  const score = Object.hasOwn(type, 'ai_generated') ? pythonFloat(type['ai_generated']) : 0;
  return score !== undefined && score >= 0 && score <= 1 ? score + 0 : undefined;
}

// What Python's str.isspace() counts as whitespace, which float() strips from both ends.
const PY_SPACE = '[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*';
const DIGITS = '\\d+(?:_\\d+)*';
// float()'s decimal syntax: sign, digits with single underscores between them, an optional
// fraction and exponent; "inf", "infinity" and "nan" are floats there, but never a score here.
// (float() also takes non-ASCII decimal digits; they are refused here.)
const FLOAT_STRING = new RegExp(`^${PY_SPACE}([+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?)${PY_SPACE}$`);

/** Python's float(x) of a JSON value, or undefined where it raises. */
function pythonFloat(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = FLOAT_STRING.exec(value);
  return m ? Number(m[1]!.replaceAll('_', '')) : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
