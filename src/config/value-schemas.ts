/**
 * Leaf schemas for config values. Flags and environment variables arrive as strings, a config
 * file as JSON: both are held to the same written forms, so a value the operator did not mean
 * (`0x10`, `1e3`, an empty string, `true` or `null` where a number belongs) is refused by name
 * instead of being coerced into something that happens to parse.
 */
import { z } from 'zod';

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function numberFrom(pattern: RegExp) {
  return (v: unknown): unknown => (typeof v === 'string' && pattern.test(v) ? Number(v) : v);
}

/** A whole number in [min, max], written in decimal digits. */
export const int = (min: number, max: number) =>
  z.preprocess(
    numberFrom(DECIMAL_TEXT),
    z
      .number({ error: `a whole number from ${min} to ${max}, in decimal digits` })
      .int({ error: `a whole number from ${min} to ${max}` })
      .min(min)
      .max(max),
  );

/** A finite decimal number (`0.5`, `12`), no exponent, hex or words like Infinity. */
export const decimal = () =>
  z.preprocess(numberFrom(DECIMAL_TEXT), z.number({ error: 'a decimal number such as 0.5' }).finite());

export const positive = () => decimal().pipe(z.number().positive());

export const bool = () =>
  z.preprocess((v) => {
    if (typeof v === 'string') {
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
    }
    return v;
  }, z.boolean({ error: 'true or false' }));

/**
 * fetch() refuses a URL with user:password@ at request time, and the chain endpoint is logged:
 * credentials in either would fail mid-run or leak, so they are refused at start-up.
 */
function urlWith(schemes: RegExp, what: string) {
  return z.string().superRefine((s, ctx) => {
    if (!schemes.test(s) || !URL.canParse(s)) {
      ctx.addIssue({ code: 'custom', message: what });
      return;
    }
    const url = new URL(s);
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'a URL without user:password@ credentials (pass keys by their own options)' });
    }
  });
}

export const httpUrl = () => urlWith(/^https?:\/\/[^\s/]+/i, 'an http(s) URL');
export const wsUrl = () => urlWith(/^wss?:\/\/[^\s/]+/i, 'a ws:// or wss:// URL');

/** A wallet or hotkey name is one directory entry; separators or dot segments would leave the wallet. */
export const walletSegment = () =>
  z
    .string()
    .min(1)
    .refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'a plain name, without /, \\, NUL or dot segments');

/** A filesystem path; NUL cannot be in one, and Node would refuse it only when the file is opened. */
export const fsPath = () => z.string().min(1).refine((s) => !s.includes('\0'), 'a path without NUL bytes');

/** The MongoDB driver's split of a connection string (mongodb-connection-string-url's HOSTS_REGEX). */
const MONGO_PARTS = /^mongodb(?:\+srv)?:\/\/(?:(?<username>[^:@]*)(?::(?<password>[^@]*))?@)?(?<hosts>(?!:)[^/?@]*)(?<rest>.*)$/s;
const UNESCAPED = /[:/?#[\]@]/;

const decodes = (s: string): boolean => {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why the MongoDB driver would refuse this connection string, or undefined when it parses. Checked
 * at start-up so that a password typed without percent-encoding stops it with the option's name
 * (and the URI masked) instead of a driver stack trace once the embedded network is already up.
 */
export function mongoUriProblem(uri: string): string | undefined {
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) return 'a URI starting with mongodb:// or mongodb+srv://';
  const parts = MONGO_PARTS.exec(uri)?.groups;
  const credentials = [parts?.['username'] ?? '', parts?.['password'] ?? ''];
  if (!parts || !parts['hosts'] || /^[^/?]*@/.test(parts['rest'] ?? '') || credentials.some((c) => UNESCAPED.test(c) || !decodes(c))) {
    return 'a MongoDB URI mongodb://[user:password@]host[:port][/db][?options] with the user name and password percent-encoded (@ : / ? # [ ] % as %40 %3A %2F %3F %23 %5B %5D %25)';
  }
  return undefined;
}

export const mongoUri = () =>
  z.string().superRefine((s, ctx) => {
    const problem = mongoUriProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
