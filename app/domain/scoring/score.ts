/**
 * The lead score as pure arithmetic. A profile's state holds, per event rule, the rule's points decayed to `asOf`
 * (halving every half-life), and the points of the property rules the profile currently matches (no decay). The
 * score at any instant is their sum, kept between 0 and the configured maximum. Events are brought in at their
 * own time (a late event counts as decayed as its age), so the order events arrive in does not change the sum.
 */
import type { JsonObject } from "../events/types";
import { matchesFilters } from "../flows/conditions";
import type { ScoringConfig } from "./rules";

const DAY_MS = 86_400_000;
/** Decayed parts smaller than this are dropped from the stored state. */
const NEGLIGIBLE = 1e-6;

export type ScoreState = {
  /** The instant `events` are decayed to; null for a profile never scored. */
  asOf: Date | null;
  /** Event rule id -> its points as of asOf (still decaying). */
  events: Record<string, number>;
  /** Property rule id -> the points it holds while the profile matches. */
  properties: Record<string, number>;
};

export const EMPTY_SCORE: ScoreState = { asOf: null, events: {}, properties: {} };

/** An event as scoring sees it: its stored row's id keys the history, so a replay cannot count twice. */
export type ScoredEvent = { id: string; name: string; occurredAt: Date; properties: JsonObject };

/** What one rule did: the points it was worth, what it added after decay and its cap, and whether the cap held it back. */
export type RuleEffect = { ruleId: string; points: number; added: number; capped: boolean };

export type ScoreUpdate = {
  state: ScoreState;
  /** The score just before and just after, both as of `at`. */
  before: number;
  after: number;
  at: Date;
  effects: RuleEffect[];
  /** The score reached the threshold from below. */
  crossed: boolean;
};

/** 2^(-elapsed / half-life): what one point is worth after `elapsedMs`. */
export function decayFactor(elapsedMs: number, halfLifeDays: number): number {
  return elapsedMs <= 0 ? 1 : 2 ** (-elapsedMs / (halfLifeDays * DAY_MS));
}

function clampScore(value: number, config: ScoringConfig): number {
  return Math.min(config.maxScore, Math.max(0, value));
}

/** The decaying parts brought forward to `at` (never backward: an earlier `at` leaves them as they are). */
function decayed(state: ScoreState, at: Date, config: ScoringConfig): { at: Date; events: Record<string, number> } {
  if (!state.asOf || at <= state.asOf) return { at: state.asOf && state.asOf > at ? state.asOf : at, events: { ...state.events } };
  const factor = decayFactor(at.getTime() - state.asOf.getTime(), config.halfLifeDays);
  const events: Record<string, number> = {};
  for (const [id, value] of Object.entries(state.events)) {
    const next = value * factor;
    if (Math.abs(next) >= NEGLIGIBLE) events[id] = next;
  }
  return { at, events };
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** Property points count only while their rule exists: removing a rule takes its points away at once. */
function heldProperties(state: ScoreState, config: ScoringConfig): Record<string, number> {
  const ids = new Set(config.propertyRules.map((r) => r.id));
  return Object.fromEntries(Object.entries(state.properties).filter(([id]) => ids.has(id)));
}

/** The score at `at` (the state decayed to then, clamped to 0..maxScore). */
export function scoreAt(state: ScoreState, at: Date, config: ScoringConfig): number {
  const { events } = decayed(state, at, config);
  return clampScore(sum(events) + sum(heldProperties(state, config)), config);
}

/** Adds `amount` to a rule's part without passing its cap; a part already past the cap (cap lowered) is not cut. */
function addCapped(current: number, amount: number, cap: number | undefined): number {
  if (cap === undefined) return current + amount;
  return amount >= 0 ? Math.max(current, Math.min(cap, current + amount)) : Math.min(current, Math.max(-cap, current + amount));
}

function finish(state: ScoreState, nextState: ScoreState, at: Date, effects: RuleEffect[], config: ScoringConfig): ScoreUpdate {
  const before = scoreAt(state, at, config);
  const after = scoreAt(nextState, at, config);
  return { state: nextState, before, after, at, effects, crossed: before < config.threshold && after >= config.threshold };
}

/**
 * One event scored as of `now`: every matching event rule adds its points, decayed by the event's age and held to
 * the rule's cap. `now` earlier than the state's asOf (another worker's clock) scores as of asOf; an event dated in
 * the future counts as happening at that instant.
 */
export function applyEvent(state: ScoreState, event: ScoredEvent, config: ScoringConfig, now: Date): ScoreUpdate {
  const { at, events } = decayed(state, now, config);
  const effects: RuleEffect[] = [];
  if (config.enabled) {
    const age = at.getTime() - Math.min(event.occurredAt.getTime(), at.getTime());
    const factor = decayFactor(age, config.halfLifeDays);
    for (const rule of config.eventRules) {
      if (rule.event !== event.name || !matchesFilters(event.properties, rule.where, null)) continue;
      const current = events[rule.id] ?? 0;
      const amount = rule.points * factor;
      const next = addCapped(current, amount, rule.cap);
      if (next !== current) events[rule.id] = next;
      effects.push({ ruleId: rule.id, points: rule.points, added: next - current, capped: next !== current + amount });
    }
  }
  return finish(state, { asOf: at, events, properties: state.properties }, at, effects, config);
}

/**
 * The profile's fields changed (orders, custom properties): property rules are matched again against `profile`
 * (the flows' profile view, so filters address the same paths). Only rules whose match changed have an effect.
 */
export function applyProfile(state: ScoreState, profile: JsonObject, config: ScoringConfig, now: Date): ScoreUpdate {
  const { at, events } = decayed(state, now, config);
  const properties: Record<string, number> = {};
  if (config.enabled) {
    for (const rule of config.propertyRules) {
      if (matchesFilters(profile, [rule.filter], null)) properties[rule.id] = rule.points;
    }
  }
  const held = heldProperties(state, config);
  const effects: RuleEffect[] = [];
  for (const id of new Set([...Object.keys(held), ...Object.keys(properties)])) {
    const added = (properties[id] ?? 0) - (held[id] ?? 0);
    if (added !== 0) effects.push({ ruleId: id, points: properties[id] ?? -(held[id] ?? 0), added, capped: false });
  }
  return finish(state, { asOf: at, events, properties }, at, effects, config);
}

/**
 * Two or more profiles found to be one person: their decaying parts add up (each decayed to the latest asOf and
 * held to its rule's cap). Property points are dropped: the caller matches the merged profile again (applyProfile).
 */
export function mergeStates(states: readonly ScoreState[], config: ScoringConfig): ScoreState {
  const times = states.flatMap((s) => (s.asOf ? [s.asOf.getTime()] : []));
  if (times.length === 0) return EMPTY_SCORE;
  const at = new Date(Math.max(...times));
  const caps = new Map(config.eventRules.map((r) => [r.id, r.cap]));
  const events: Record<string, number> = {};
  for (const state of states) {
    for (const [id, value] of Object.entries(decayed(state, at, config).events)) {
      const cap = caps.get(id);
      const total = (events[id] ?? 0) + value;
      events[id] = cap === undefined ? total : Math.max(-cap, Math.min(cap, total));
    }
  }
  return { asOf: at, events, properties: {} };
}

/** The score as people read it: one decimal place at most. */
export function displayScore(score: number): number {
  return Math.round(score * 10) / 10;
}
