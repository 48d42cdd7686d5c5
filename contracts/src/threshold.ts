/**
 * The balancing threshold t is a positive integer everywhere (an entry matched n times is kept with
 * probability min(1, t / n): t is a count). One definition for the CLI's `--t`, the engine, the
 * settings the server and the client read, the panel's t control and the client's input box.
 */

/** A valid t: a safe integer of at least 1. */
export function isThreshold(t: unknown): t is number {
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 1;
}

/** A t written as text: digits only (no sign, exponent, fraction or spaces), else undefined. */
export function parseThreshold(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const t = Number(text);
  return isThreshold(t) ? t : undefined;
}
