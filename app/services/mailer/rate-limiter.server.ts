/**
 * Paces requests to an email provider: Resend allows a team a few requests per second (2 by default) across all
 * its API keys, and answers 429 beyond that. Every worker of this process that sends with the same key waits its
 * turn here, and a 429 seen by one of them pauses all of them.
 *
 * The algorithm is GCRA (a token bucket kept as one timestamp per key, the "theoretical arrival time"): each
 * acquire reserves the next free slot synchronously, so concurrent callers never take the same slot.
 *
 * One process only. With several worker processes, implement SendRateLimiter on Redis instead: the same
 * timestamp in one key per API key, advanced by a Lua script (atomic, one round trip) that returns how long the
 * caller must wait; pauseUntil is `SET tat max(tat, until)` in the same script. Callers do not change.
 */
import { createHash } from "node:crypto";

export interface SendRateLimiter {
  /** Resolves when the caller may start one request under `key`. */
  acquire(key: string): Promise<void>;
  /** Nobody starts a request under `key` before `untilMs` (epoch ms): a 429's retry-after holds for every worker. */
  pauseUntil(key: string, untilMs: number): void;
}

export type SendRateLimiterOptions = {
  requestsPerSecond?: number;
  /** Requests a quiet key may make back to back before pacing starts. */
  burst?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export const DEFAULT_REQUESTS_PER_SECOND = 2;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An in-process limiter: `requestsPerSecond` per key, bursts of `burst`. */
export function createSendRateLimiter(options: SendRateLimiterOptions = {}): SendRateLimiter {
  const rate = options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
  if (!(rate > 0)) throw new Error("createSendRateLimiter: requestsPerSecond must be positive");
  const interval = 1000 / rate;
  const tolerance = (Math.max(1, options.burst ?? 1) - 1) * interval;
  const clock = options.clock ?? Date.now;
  const wait = options.sleep ?? sleep;
  const arrivals = new Map<string, number>();

  return {
    async acquire(key) {
      const now = clock();
      const next = Math.max(arrivals.get(key) ?? now, now);
      arrivals.set(key, next + interval);
      const allowedAt = next - tolerance;
      if (allowedAt > now) await wait(allowedAt - now);
    },
    pauseUntil(key, untilMs) {
      arrivals.set(key, Math.max(arrivals.get(key) ?? 0, untilMs + tolerance));
    },
  };
}

const shared = new Map<number, SendRateLimiter>();

/** The process-wide limiter for one rate: every mailer created with that rate shares it. */
export function sharedSendRateLimiter(requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND): SendRateLimiter {
  let limiter = shared.get(requestsPerSecond);
  if (!limiter) {
    limiter = createSendRateLimiter({ requestsPerSecond });
    shared.set(requestsPerSecond, limiter);
  }
  return limiter;
}

/** A limiter key for an API key that does not keep the secret itself in memory maps or logs. */
export function rateLimitKey(apiKey: string): string {
  return `resend:${createHash("sha256").update(apiKey).digest("hex").slice(0, 16)}`;
}
