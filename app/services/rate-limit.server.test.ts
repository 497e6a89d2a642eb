import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.server";

const policy = { capacity: 3, refillPerSecond: 1 };

describe("token bucket rate limiter", () => {
  it("allows a burst up to capacity, then refuses with a Retry-After", () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 3; i++) expect(limiter.take([{ key: "a", policy }], 0)).toEqual({ ok: true });
    expect(limiter.take([{ key: "a", policy }], 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it("refills at the sustained rate, never beyond capacity", () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 3; i++) limiter.take([{ key: "a", policy }], 0);
    expect(limiter.take([{ key: "a", policy }], 500).ok).toBe(false);
    expect(limiter.take([{ key: "a", policy }], 1000).ok).toBe(true);
    expect(limiter.take([{ key: "a", policy }], 1000).ok).toBe(false);
    // A long pause refills to capacity only.
    for (let i = 0; i < 3; i++) expect(limiter.take([{ key: "a", policy }], 60_000).ok).toBe(true);
    expect(limiter.take([{ key: "a", policy }], 60_000).ok).toBe(false);
  });

  it("keeps keys apart", () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 3; i++) limiter.take([{ key: "a", policy }], 0);
    expect(limiter.take([{ key: "b", policy }], 0).ok).toBe(true);
  });

  it("takes from all keys or none: a refusal by one bucket costs the others nothing", () => {
    const limiter = createRateLimiter();
    const wide = { capacity: 10, refillPerSecond: 1 };
    for (let i = 0; i < 3; i++) limiter.take([{ key: "client", policy }, { key: "ip", policy: wide }], 0);
    for (let i = 0; i < 5; i++) expect(limiter.take([{ key: "client", policy }, { key: "ip", policy: wide }], 0).ok).toBe(false);
    // The ip bucket lost only the 3 successful takes.
    for (let i = 0; i < 7; i++) expect(limiter.take([{ key: "ip", policy: wide }], 0).ok).toBe(true);
    expect(limiter.take([{ key: "ip", policy: wide }], 0).ok).toBe(false);
  });

  it("says how long to wait for the emptiest bucket", () => {
    const limiter = createRateLimiter();
    const slow = { capacity: 1, refillPerSecond: 0.1 };
    limiter.take([{ key: "s", policy: slow }], 0);
    expect(limiter.take([{ key: "s", policy: slow }], 0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take([{ key: "s", policy: slow }], 4_500)).toEqual({ ok: false, retryAfterSeconds: 6 });
  });

  it("bounds memory by dropping the least recently used buckets", () => {
    const limiter = createRateLimiter({ maxKeys: 3 });
    for (const key of ["a", "b", "c", "d", "e"]) limiter.take([{ key, policy }], 0);
    expect(limiter.size).toBe(3);
    // "a" was dropped and starts full again.
    for (let i = 0; i < 3; i++) expect(limiter.take([{ key: "a", policy }], 0).ok).toBe(true);
  });

  it("uses its clock when no time is given", () => {
    let now = 0;
    const limiter = createRateLimiter({ clock: () => now });
    for (let i = 0; i < 3; i++) limiter.take([{ key: "a", policy }]);
    expect(limiter.take([{ key: "a", policy }]).ok).toBe(false);
    now = 2000;
    expect(limiter.take([{ key: "a", policy }]).ok).toBe(true);
  });
});
