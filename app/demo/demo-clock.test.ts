import { describe, expect, it } from "vitest";
import { catchUpClock } from "../domain/clock";
import { parseEnv } from "../env.schema";
import { dayInTimezone, recentDays } from "../domain/time";
import { DEMO_TIMEZONE, demoHistory } from "./history";
import {
  DEFAULT_DEMO_CLOCK_SPEED,
  demoClockEnv,
  demoClockFromEnv,
  demoMonthStart,
  parseDemoClockSpeed,
  parseDemoClockStates,
  planDemoClock,
  rememberDemoClock,
  serializeDemoClockStates,
  type DemoClockState,
} from "./demo-clock";

const DAY = 86_400_000;
const NOW = new Date("2031-06-15T12:00:00Z");
const MONTH_START = demoMonthStart(NOW, DEMO_TIMEZONE);
const plan = (shop: { id: string; created: boolean }, states: DemoClockState[] = [], speed = DEFAULT_DEMO_CLOCK_SPEED) =>
  planDemoClock({ now: NOW, speed, monthStart: MONTH_START, shop, states });

describe("demoMonthStart", () => {
  it("starts the month at 03:00 shop time on the first of Home's 30 days, 29 to 30 days back", () => {
    expect(MONTH_START.toISOString()).toBe("2031-05-17T07:00:00.000Z"); // 03:00 in New York (EDT)
    for (const now of ["2031-06-15T03:59:00Z", "2031-06-15T04:01:00Z", "2031-11-03T12:00:00Z", "2031-03-10T06:30:00Z", "2031-12-31T23:59:59Z"].map((s) => new Date(s))) {
      const start = demoMonthStart(now, DEMO_TIMEZONE);
      expect(dayInTimezone(start, DEMO_TIMEZONE)).toBe(recentDays(now, DEMO_TIMEZONE, 30)[0]);
      expect(now.getTime() - start.getTime()).toBeGreaterThan(28 * DAY + 20 * 3_600_000);
      expect(now.getTime() - start.getTime()).toBeLessThan(30 * DAY);
    }
  });

  it("so Home is never empty while the month replays: the seed's history has orders on that first day", () => {
    for (const now of ["2031-06-15T03:59:00Z", "2031-06-15T20:00:00Z", "2031-03-10T06:30:00Z"].map((s) => new Date(s))) {
      const start = demoMonthStart(now, DEMO_TIMEZONE);
      const firstDay = recentDays(now, DEMO_TIMEZONE, 30)[0];
      const orders = demoHistory({ now: start }).flatMap((c) => c.orders);
      expect(orders.every((o) => o.placedAt <= start)).toBe(true);
      expect(orders.filter((o) => dayInTimezone(o.placedAt, DEMO_TIMEZONE) === firstDay).length).toBeGreaterThan(0);
    }
  });
});

describe("planDemoClock", () => {
  it("replays the month on a shop seeded just now", () => {
    expect(plan({ id: "shop-1", created: true })).toEqual({ origin: MONTH_START, from: MONTH_START, mode: "fresh" });
    // Even if a state for that id lingers: a shop seeded now has no past to continue.
    const stale = { shopId: "shop-1", origin: new Date(NOW.getTime() - 90 * DAY), reached: new Date(NOW.getTime() - 70 * DAY) };
    expect(plan({ id: "shop-1", created: true }, [stale]).mode).toBe("fresh");
  });

  it("continues a shop's month from where the last run got to, never replaying it", () => {
    const reached = new Date(NOW.getTime() - 12 * DAY);
    const origin = new Date(NOW.getTime() - 40 * DAY);
    const states = [{ shopId: "other", origin: MONTH_START, reached: MONTH_START }, { shopId: "shop-1", origin, reached }];
    expect(plan({ id: "shop-1", created: false }, states)).toEqual({ origin, from: reached, mode: "resumed" });
  });

  it("after a long pause replays at most the last month, and a finished month continues in real time", () => {
    const origin = new Date(NOW.getTime() - 200 * DAY);
    expect(plan({ id: "s", created: false }, [{ shopId: "s", origin, reached: new Date(NOW.getTime() - 100 * DAY) }]))
      .toEqual({ origin, from: MONTH_START, mode: "resumed" });
    expect(plan({ id: "s", created: false }, [{ shopId: "s", origin, reached: new Date(NOW.getTime() + 5000) }]))
      .toEqual({ origin, from: NOW, mode: "real_time" });
  });

  it("runs in real time for a database it has no state for, and at speed 1", () => {
    expect(plan({ id: "shop-2", created: false }, [{ shopId: "shop-1", origin: MONTH_START, reached: MONTH_START }]))
      .toEqual({ origin: NOW, from: NOW, mode: "real_time" });
    expect(plan({ id: "shop-3", created: true }, [], 1)).toEqual({ origin: NOW, from: NOW, mode: "real_time" });
    const origin = new Date(NOW.getTime() - 20 * DAY);
    expect(plan({ id: "s", created: false }, [{ shopId: "s", origin, reached: origin }], 1)).toEqual({ origin, from: NOW, mode: "real_time" });
  });
});

describe("data/demo-clock.json", () => {
  const a = { shopId: "a", origin: MONTH_START, reached: new Date(MONTH_START.getTime() + 3 * DAY) };

  it("round-trips, one state per shop, most recent first, a few kept", () => {
    const text = serializeDemoClockStates(rememberDemoClock([], a));
    expect(parseDemoClockStates(text)).toEqual([a]);
    let states: DemoClockState[] = [a];
    for (let i = 0; i < 10; i++) states = rememberDemoClock(states, { ...a, shopId: `s${i}` });
    expect(states).toHaveLength(8);
    expect(states[0].shopId).toBe("s9");
    expect(states.map((s) => s.shopId)).not.toContain("a");
    const moved = rememberDemoClock(states, { ...a, shopId: "s3", reached: NOW });
    expect(moved[0]).toEqual({ ...a, shopId: "s3", reached: NOW });
    expect(moved.filter((s) => s.shopId === "s3")).toHaveLength(1);
  });

  it("reads anything unreadable as no state (then nothing resumes)", () => {
    for (const text of [null, "", "{", "[]", '{"v":2,"shops":[]}', '{"v":1}', "null"]) expect(parseDemoClockStates(text)).toEqual([]);
    const mixed = JSON.stringify({ v: 1, shops: [{ shopId: "x", origin: "yesterday", reached: NOW.toISOString() }, { shopId: "a", origin: a.origin.toISOString(), reached: a.reached.toISOString() }] });
    expect(parseDemoClockStates(mixed)).toEqual([a]);
  });
});

describe("DEMO_CLOCK_SPEED", () => {
  it("defaults to a day per ten seconds; 1 is real time; nonsense is refused with the variable's name", () => {
    expect(parseDemoClockSpeed(undefined)).toEqual({ ok: true, speed: 8640 });
    expect(parseDemoClockSpeed(" ")).toEqual({ ok: true, speed: 8640 });
    expect(parseDemoClockSpeed("1")).toEqual({ ok: true, speed: 1 });
    expect(parseDemoClockSpeed("86400")).toEqual({ ok: true, speed: 86400 });
    for (const bad of ["0", "0.5", "-3", "fast", "1e9", "Infinity"]) {
      const result = parseDemoClockSpeed(bad);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/^DEMO_CLOCK_SPEED /);
    }
  });
});

describe("the shared clock", () => {
  const base = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "http://127.0.0.1:3000", SESSION_SECRET: "x".repeat(32) };
  const realStart = NOW.getTime();
  // The system clock, not the virtual one (which, handed a 2031 real time, would say 2031).
  const isRealTime = (at: Date) => Math.abs(at.getTime() - Date.now()) < 60_000;

  it("gives the server, through its environment, the same time as the traffic generator", () => {
    const from = MONTH_START;
    const vars = demoClockEnv({ from, speed: 8640, realStart });
    const parsed = parseEnv({ ...base, NODE_ENV: "development", DEMO_MODE: "1", ...vars });
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    let real = realStart + 2500;
    const server = demoClockFromEnv(parsed.env, () => real);
    const traffic = catchUpClock({ from, speed: 8640, realStart, realNow: () => real });
    expect(server.now()).toEqual(traffic.now());
    expect(server.now()).toEqual(new Date(from.getTime() + 2500 * 8640));
    real += 10 * 60_000; // caught up: both are real time
    expect(server.now().getTime()).toBe(real);
  });

  it("is real time outside demo mode, in production, without the variables, and at speed 1", () => {
    const vars = demoClockEnv({ from: MONTH_START, speed: 8640, realStart });
    const envs = [
      { ...base, NODE_ENV: "development", ...vars },
      { ...base, NODE_ENV: "development", DEMO_MODE: "1" },
      { ...base, NODE_ENV: "development", DEMO_MODE: "1", ...vars, DEMO_CLOCK_SPEED: "1" },
    ];
    for (const source of envs) {
      const parsed = parseEnv(source);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      expect(isRealTime(demoClockFromEnv(parsed.env, () => realStart + 1000).now())).toBe(true);
    }
    // parseEnv refuses DEMO_MODE in production; the clock refuses it too, whatever it is handed.
    const production = { DEMO_MODE: true, NODE_ENV: "production" as const, DEMO_CLOCK_FROM: MONTH_START, DEMO_CLOCK_SPEED: 8640, DEMO_CLOCK_REAL_START: realStart };
    expect(isRealTime(demoClockFromEnv(production, () => realStart + 1000).now())).toBe(true);
  });

  it("refuses malformed clock variables with their names", () => {
    for (const [name, value] of [["DEMO_CLOCK_FROM", "last tuesday"], ["DEMO_CLOCK_SPEED", "0"], ["DEMO_CLOCK_SPEED", "x"], ["DEMO_CLOCK_REAL_START", "-5"], ["DEMO_CLOCK_REAL_START", "1.5"]]) {
      const parsed = parseEnv({ ...base, DEMO_MODE: "1", [name]: value });
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.problems.some((p) => p.startsWith(`${name} `))).toBe(true);
    }
  });
});
