/**
 * The demo's fast clock: on a fresh demo database it starts a month back and runs `speed` times faster than real
 * time until it meets real time (catchUpClock), so a month of shop life plays out in minutes. scripts/demo.ts
 * plans it, keeps where it got to in data/demo-clock.json (so a restart continues rather than replaying the
 * month) and hands it to the server as DEMO_CLOCK_* variables, which demoClockFromEnv turns back into the clock.
 */
import { z } from "zod";
import { catchUpClock, systemClock, type Clock } from "../domain/clock";
import { localDateTime, zonedInstant } from "../domain/flows/zoned-time";
import type { Env } from "../env.schema";

const DAY_MS = 86_400_000;
export const DEMO_MONTH_DAYS = 30;
/** One virtual day per 10 real seconds: the month plays in five minutes. */
export const DEFAULT_DEMO_CLOCK_SPEED = 8640;

/**
 * Where the simulated month begins for a demo started at `now`, and where the seed's history ends: 03:00 in the
 * shop's timezone on the first of the last 30 days, the period Home shows. So Home opens on the seed's last hours
 * (never on an empty month) and fills up as the month replays; the replay is 29 to 30 days long.
 */
export function demoMonthStart(now: Date, timezone: string): Date {
  const firstDay = localDateTime(new Date(now.getTime() - (DEMO_MONTH_DAYS - 1) * DAY_MS), timezone);
  return zonedInstant(firstDay, 3 * 60, timezone);
}

export type DemoClockState = { shopId: string; origin: Date; reached: Date };

const stateSchema = z.object({
  shopId: z.string().min(1),
  origin: z.iso.datetime(),
  reached: z.iso.datetime(),
});
const fileSchema = z.object({ v: z.literal(1), shops: z.array(z.unknown()) });
/** States kept: one per demo database (the e2e test makes a fresh one per run), most recent first. */
const MAX_STATES = 8;

/**
 * The states data/demo-clock.json holds, one per demo shop row (so a new database never resumes another's
 * month). Anything unreadable counts as absent: the demo then runs in real time rather than guessing.
 */
export function parseDemoClockStates(text: string | null): DemoClockState[] {
  if (text === null) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const file = fileSchema.safeParse(json);
  if (!file.success) return [];
  return file.data.shops.flatMap((entry) => {
    const parsed = stateSchema.safeParse(entry);
    return parsed.success ? [{ shopId: parsed.data.shopId, origin: new Date(parsed.data.origin), reached: new Date(parsed.data.reached) }] : [];
  });
}

/** The states with this shop's replaced (or added) and first; the oldest beyond a few are dropped. */
export function rememberDemoClock(states: DemoClockState[], state: DemoClockState): DemoClockState[] {
  return [state, ...states.filter((s) => s.shopId !== state.shopId)].slice(0, MAX_STATES);
}

/** The file's text for `states`. */
export function serializeDemoClockStates(states: DemoClockState[]): string {
  const shops = states.map((s) => ({ shopId: s.shopId, origin: s.origin.toISOString(), reached: s.reached.toISOString() }));
  return `${JSON.stringify({ v: 1, shops }, null, 2)}\n`;
}

/** DEMO_CLOCK_SPEED as typed by a person: a number >= 1 (1 is real time); unset means the default. */
export function parseDemoClockSpeed(text: string | undefined): { ok: true; speed: number } | { ok: false; error: string } {
  if (text === undefined || text.trim() === "") return { ok: true, speed: DEFAULT_DEMO_CLOCK_SPEED };
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed < 1 || speed > 10_000_000) {
    return { ok: false, error: `DEMO_CLOCK_SPEED must be a number from 1 (real time) to 10000000, got "${text}"` };
  }
  return { ok: true, speed };
}

export type DemoClockPlan = {
  /** Day 0 of the traffic schedule. */
  origin: Date;
  /** Where the clock starts this run. */
  from: Date;
  /** fresh: a new month; resumed: where the last run stopped; real_time: no replay. */
  mode: "fresh" | "resumed" | "real_time";
};

/**
 * Where this run's clock starts. A shop seeded just now (its history ending at `monthStart`) replays the month;
 * a shop this demo has run before continues from where it got to (at most from `monthStart`); anything else, or
 * speed 1, runs in real time. The saved state belongs to one shop row, so a new database never resumes an old one.
 */
export function planDemoClock(input: {
  now: Date;
  speed: number;
  monthStart: Date;
  shop: { id: string; created: boolean };
  states: DemoClockState[];
}): DemoClockPlan {
  const { now, speed, shop } = input;
  const state = input.states.find((s) => s.shopId === shop.id);
  const fast = speed > 1;
  if (shop.created) return fast ? { origin: input.monthStart, from: input.monthStart, mode: "fresh" } : { origin: now, from: now, mode: "real_time" };
  if (state) {
    // After a long pause only the last month is replayed, from where a fresh one would start.
    const from = fast ? new Date(Math.min(now.getTime(), Math.max(state.reached.getTime(), input.monthStart.getTime()))) : now;
    return { origin: state.origin, from, mode: from.getTime() < now.getTime() ? "resumed" : "real_time" };
  }
  return { origin: now, from: now, mode: "real_time" };
}

/** The variables that give the server the same clock as the traffic generator. */
export function demoClockEnv(clock: { from: Date; speed: number; realStart: number }): Record<string, string> {
  return {
    DEMO_CLOCK_FROM: clock.from.toISOString(),
    DEMO_CLOCK_SPEED: String(clock.speed),
    DEMO_CLOCK_REAL_START: String(clock.realStart),
  };
}

type ClockEnv = Pick<Env, "DEMO_MODE" | "NODE_ENV" | "DEMO_CLOCK_FROM" | "DEMO_CLOCK_SPEED" | "DEMO_CLOCK_REAL_START">;

/**
 * The workers' clock: the demo's fast clock when the demo set one, else real time. Outside demo mode the
 * variables are ignored: a production worker must never send on anything but real time.
 */
export function demoClockFromEnv(env: ClockEnv, realNow: () => number = Date.now): Clock {
  if (!env.DEMO_MODE || env.NODE_ENV === "production" || !env.DEMO_CLOCK_FROM) return systemClock;
  const speed = env.DEMO_CLOCK_SPEED ?? 1;
  if (speed <= 1) return systemClock;
  return catchUpClock({ from: env.DEMO_CLOCK_FROM, speed, realStart: env.DEMO_CLOCK_REAL_START ?? realNow(), realNow });
}
