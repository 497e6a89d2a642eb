/**
 * In-memory token buckets. Good for one process only: with several web processes each keeps its own buckets,
 * so the effective limit multiplies by the process count. A multi-process deployment needs a shared store
 * (Redis, e.g. a Lua token bucket) behind this same interface; see docs/decisions/004-pixel-ingest.md.
 */

export type BucketPolicy = {
  /** Burst size: how many requests a quiet key may make at once. */
  capacity: number;
  /** Sustained rate, tokens added per second. */
  refillPerSecond: number;
};

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

type Bucket = { tokens: number; at: number };

export type RateLimiter = {
  /** Takes one token from every key's bucket, or none when any of them is empty. */
  take(keys: Array<{ key: string; policy: BucketPolicy }>, now?: number): TakeResult;
  /** Forgets every bucket (tests; a config reload). */
  reset(): void;
  readonly size: number;
};

/** A limiter holding at most `maxKeys` buckets (about 100 bytes each), dropping the least recently used. */
export function createRateLimiter(options: { maxKeys?: number; clock?: () => number } = {}): RateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  // Looked up at each call, not captured: a test that fixes the time (vi.useFakeTimers) fixes it here too.
  const clock = options.clock ?? (() => Date.now());
  const buckets = new Map<string, Bucket>();

  const level = (bucket: Bucket | undefined, policy: BucketPolicy, now: number) => {
    if (!bucket) return policy.capacity;
    const refilled = bucket.tokens + ((now - bucket.at) / 1000) * policy.refillPerSecond;
    return Math.min(policy.capacity, refilled);
  };

  // Least recently touched first (touches re-insert, and a Map iterates in insertion order). Under memory
  // pressure a dropped bucket starts full again, which only ever errs towards letting requests through.
  const evict = (keep: Set<string>, room: number) => {
    for (const key of buckets.keys()) {
      if (buckets.size + room <= maxKeys) break;
      if (!keep.has(key)) buckets.delete(key);
    }
  };

  return {
    take(keys, now = clock()) {
      const levels = keys.map(({ key, policy }) => ({ key, policy, tokens: level(buckets.get(key), policy, now) }));
      const empty = levels.filter((l) => l.tokens < 1);
      if (empty.length > 0) {
        const wait = Math.max(...empty.map((l) => (1 - l.tokens) / l.policy.refillPerSecond));
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
      }
      if (buckets.size + keys.length > maxKeys) evict(new Set(keys.map((k) => k.key)), keys.length);
      for (const l of levels) {
        buckets.delete(l.key);
        buckets.set(l.key, { tokens: l.tokens - 1, at: now });
      }
      return { ok: true };
    },
    reset() {
      buckets.clear();
    },
    get size() {
      return buckets.size;
    },
  };
}
