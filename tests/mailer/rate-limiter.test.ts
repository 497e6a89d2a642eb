import { describe, expect, it } from "vitest";
import { createSendRateLimiter, rateLimitKey } from "../../app/services/mailer/rate-limiter.server";

/** A virtual clock whose sleep advances time, recording when each acquire was let through. */
function virtualLimiter(requestsPerSecond: number, burst = 1) {
  let now = 1_000_000;
  const starts: number[] = [];
  const limiter = createSendRateLimiter({
    requestsPerSecond,
    burst,
    clock: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  const take = async (key = "k") => {
    await limiter.acquire(key);
    starts.push(now);
  };
  return { limiter, take, starts, advance: (ms: number) => (now += ms), now: () => now };
}

describe("send rate limiter", () => {
  it("spaces requests at the configured rate (2 per second by default)", async () => {
    const v = virtualLimiter(2);
    for (let i = 0; i < 5; i++) await v.take();
    expect(v.starts.map((t) => t - v.starts[0])).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it("gives concurrent callers distinct slots", async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = createSendRateLimiter({ requestsPerSecond: 4, clock: () => now, sleep: async (ms) => void waits.push(ms) });
    await Promise.all([limiter.acquire("k"), limiter.acquire("k"), limiter.acquire("k")]);
    expect(waits.sort((a, b) => a - b)).toEqual([250, 500]);
    now = 10_000; // a quiet key starts fresh
    waits.length = 0;
    await limiter.acquire("k");
    expect(waits).toEqual([]);
  });

  it("allows a burst, then paces", async () => {
    const v = virtualLimiter(10, 3);
    for (let i = 0; i < 5; i++) await v.take();
    expect(v.starts.map((t) => t - v.starts[0])).toEqual([0, 0, 0, 100, 200]);
  });

  it("keeps keys apart and holds every caller of a key during a pause", async () => {
    const v = virtualLimiter(2);
    await v.take("a");
    v.limiter.pauseUntil("a", v.now() + 3_000);
    await v.take("b");
    expect(v.starts[1] - v.starts[0]).toBe(0);
    await v.take("a");
    expect(v.starts[2] - v.starts[0]).toBe(3_000);
  });

  it("names keys without the secret", () => {
    expect(rateLimitKey("re_secret_value")).not.toContain("secret");
    expect(rateLimitKey("re_a")).not.toBe(rateLimitKey("re_b"));
  });
});
