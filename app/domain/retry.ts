/** Backoff for work retried by the workers (Shopify tasks, signup confirmation emails). Pure. */

const MAX_BACKOFF_MS = 6 * 3_600_000;

/** Wait after the n-th failed attempt (1-based): 1, 2, 4, ... minutes, at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** Math.max(0, attempts - 1));
}
