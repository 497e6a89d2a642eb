/**
 * In-memory evaluation of a segment tree for one profile and its events: the plain reading of what a condition
 * means. The SQL compiler (sql.ts) must agree with it on every tree; the property tests hold them to that.
 */
import type { JsonValue } from "../events/types";
import { dayBounds, dayOf, instantBounds, todayOf, within, type SegmentClock } from "./dates";
import { PROFILE_FIELDS, propertyAt, type Comparison, type EventFilter, type ProfileField, type SegmentCondition, type ValueType } from "./tree";

const DAY_MS = 86_400_000;

/** The profile row as stored: the whitelisted columns plus custom properties. */
export type SegmentProfile = { id: string; mergedIntoId: string | null; properties: JsonValue | null } & {
  [F in ProfileField]: string | number | bigint | Date | null;
};

export type SegmentEvent = { name: string; occurredAt: Date; properties: JsonValue | null };

/** Only ASCII letters fold: what SQLite's lower() does, and what translate() does on PostgreSQL. */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

type Value = string | number | boolean | Date | null | undefined;

/** A stored value seen as the type a condition reads; null when it is absent or of another type. */
function asType(type: ValueType, raw: unknown, fromColumn: boolean): Value {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case "text":
      return typeof raw === "string" ? raw : null;
    case "number":
      if (typeof raw === "bigint") return Number(raw);
      return typeof raw === "number" ? raw : null;
    case "boolean":
      return typeof raw === "boolean" ? raw : null;
    case "date":
      if (fromColumn) return raw instanceof Date ? raw : null;
      return dayOf(raw);
  }
}

function present(raw: unknown): boolean {
  return raw !== null && raw !== undefined;
}

function compareTyped(type: ValueType, raw: unknown, c: Comparison, clock: SegmentClock, fromColumn: boolean): boolean {
  if (c.op === "exists") return present(raw);
  if (c.op === "not_exists") return !present(raw);
  if (c.op === "neq") return !compareTyped(type, raw, { ...c, op: "eq" }, clock, fromColumn);
  const v = asType(type, raw, fromColumn);
  if (v === null || v === undefined) return false;
  switch (c.op) {
    case "eq":
      return typeof v === "string" ? foldAscii(v) === foldAscii(String(c.value)) : v === c.value;
    case "contains":
      return foldAscii(String(v)).includes(foldAscii(String(c.value)));
    case "in":
      return (c.value as string[]).some((x) => foldAscii(x) === foldAscii(String(v)));
    case "gt":
      return (v as number) > (c.value as number);
    case "gte":
      return (v as number) >= (c.value as number);
    case "lt":
      return (v as number) < (c.value as number);
    case "lte":
      return (v as number) <= (c.value as number);
    default:
      return v instanceof Date ? within(v, instantBounds(c.op, c.value, clock)) : within(v as string, dayBounds(c.op, c.value, clock));
  }
}

/** Whole years from a birthday day to today: the year difference, less one before this year's birthday. */
function ageOn(birthday: string, today: string): number {
  const years = Number(today.slice(0, 4)) - Number(birthday.slice(0, 4));
  return today.slice(5) < birthday.slice(5) ? years - 1 : years;
}

function eventMatches(event: SegmentEvent, filters: EventFilter[], clock: SegmentClock): boolean {
  return filters.every((f) => compareTyped(f.type, propertyAt(event.properties, f.path), f, clock, false));
}

/** True when the profile is in the segment as of clock.now. Merged-away profiles are never in a segment. */
export function evaluateSegment(tree: SegmentCondition, profile: SegmentProfile, events: readonly SegmentEvent[], clock: SegmentClock): boolean {
  if (profile.mergedIntoId !== null) return false;
  return holds(tree, profile, events, clock);
}

function holds(c: SegmentCondition, profile: SegmentProfile, events: readonly SegmentEvent[], clock: SegmentClock): boolean {
  switch (c.kind) {
    case "all":
      return c.of.every((x) => holds(x, profile, events, clock));
    case "any":
      return c.of.some((x) => holds(x, profile, events, clock));
    case "not":
      return !holds(c.condition, profile, events, clock);
    case "profile":
      return compareTyped(PROFILE_FIELDS[c.field].type, profile[c.field], c, clock, true);
    case "property":
      return compareTyped(c.type, propertyAt(profile.properties, c.key), c, clock, false);
    case "age": {
      const birthday = dayOf(propertyAt(profile.properties, c.key));
      if (birthday === null) return false;
      const age = ageOn(birthday, todayOf(clock));
      return c.op === "gte" ? age >= c.value : c.op === "lte" ? age <= c.value : age === c.value;
    }
    case "event_count": {
      const now = clock.now.getTime();
      const from = c.since === "ever" ? -Infinity : now - c.since.days * DAY_MS;
      const n = events.filter((e) => {
        const at = e.occurredAt.getTime();
        return e.name === c.event && at <= now && at >= from && eventMatches(e, c.where ?? [], clock);
      }).length;
      return (c.atLeast === undefined || n >= c.atLeast) && (c.atMost === undefined || n <= c.atMost);
    }
  }
}
