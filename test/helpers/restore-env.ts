/**
 * Puts process.env back to `saved` in place. Assigning a new object to process.env would leave a
 * plain object there for the rest of the test worker (files share one worker): values set on it
 * later (vi.stubEnv) would no longer reach the real environment, which worker threads and child
 * processes copy.
 */
export function restoreEnv(saved: Readonly<NodeJS.ProcessEnv>): void {
  for (const key of Object.keys(process.env)) if (!Object.hasOwn(saved, key)) delete process.env[key];
  for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
}
