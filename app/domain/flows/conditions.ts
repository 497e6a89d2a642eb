/** Pure evaluation of flow conditions and property filters against a facts snapshot. */
import type { JsonObject, JsonValue } from "../events/types";
import type { CompareOp, Condition, EventWindow, PropertyFilter } from "./definition";
import { profileView, valueAt, type FlowEvent, type FlowFacts } from "./facts";

const DAY_MS = 86_400_000;

export type ConditionContext = {
  facts: FlowFacts;
  now: Date;
  /** The run's start (the trigger event's occurredAt): "since flow start" counts from here. */
  since: Date;
  /** The event that started the run; excluded from "since flow start" counts, and the source of valueFromTrigger. */
  trigger: FlowEvent | null;
};

type Comparable = { kind: "number" | "date"; value: number };

const NUMERIC = /^-?\d+(\.\d+)?$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

function comparable(value: JsonValue | undefined): Comparable | null {
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value !== "string") return null;
  if (NUMERIC.test(value)) return { kind: "number", value: Number(value) };
  if (DATE_LIKE.test(value)) {
    const time = Date.parse(value);
    return Number.isNaN(time) ? null : { kind: "date", value: time };
  }
  return null;
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => jsonEqual(a[k], b[k]));
}

function equal(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (jsonEqual(a, b)) return true;
  // "19.90" equals 19.9, and two spellings of one instant are equal.
  const x = comparable(a);
  const y = comparable(b);
  return x !== null && y !== null && x.kind === y.kind && x.value === y.value;
}

function ordered(a: JsonValue | undefined, b: JsonValue | undefined, test: (d: number) => boolean): boolean {
  const x = comparable(a);
  const y = comparable(b);
  return x !== null && y !== null && x.kind === y.kind && test(x.value - y.value);
}

/** Applies one operator; a missing expected value (e.g. absent on the trigger) matches nothing. */
export function compare(actual: JsonValue | undefined, op: CompareOp, expected: JsonValue | undefined): boolean {
  if (op === "exists") return actual !== undefined && actual !== null;
  if (op === "not_exists") return actual === undefined || actual === null;
  if (expected === undefined) return false;
  switch (op) {
    case "eq":
      return equal(actual, expected);
    case "neq":
      return !equal(actual, expected);
    case "gt":
      return ordered(actual, expected, (d) => d > 0);
    case "gte":
      return ordered(actual, expected, (d) => d >= 0);
    case "lt":
      return ordered(actual, expected, (d) => d < 0);
    case "lte":
      return ordered(actual, expected, (d) => d <= 0);
    case "contains":
      if (typeof actual === "string" && typeof expected === "string") return actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => equal(item, expected));
    case "in":
      return Array.isArray(expected) && expected.some((item) => equal(actual, item));
  }
}

function expectedOf(filter: PropertyFilter, trigger: FlowEvent | null): JsonValue | undefined {
  if ("value" in filter) return filter.value;
  if ("valueFromTrigger" in filter) return trigger ? valueAt(trigger.properties, filter.valueFromTrigger) : undefined;
  return undefined;
}

/** True when the object passes every filter. */
export function matchesFilters(
  subject: JsonObject,
  filters: readonly PropertyFilter[] | undefined,
  trigger: FlowEvent | null,
): boolean {
  return (filters ?? []).every((f) => compare(valueAt(subject, f.path), f.op, expectedOf(f, trigger)));
}

function inWindow(event: FlowEvent, window: EventWindow, ctx: ConditionContext): boolean {
  const at = event.occurredAt.getTime();
  if (at > ctx.now.getTime()) return false;
  if (window === "ever") return true;
  if (window === "flow_start") return at >= ctx.since.getTime() && event.id !== ctx.trigger?.id;
  return at >= ctx.now.getTime() - window.days * DAY_MS;
}

/** Events of one name in a window that pass the filters, oldest first. */
/** An open a person made: Apple Mail's privacy prefetch and mail scanners open every email, read or not (machine-open.ts). */
export const HUMAN_OPEN: PropertyFilter = { path: "machine", op: "neq", value: true };

export function matchingEvents(
  name: string,
  where: readonly PropertyFilter[] | undefined,
  window: EventWindow,
  ctx: ConditionContext,
): FlowEvent[] {
  return ctx.facts.events
    .filter((e) => e.name === name && inWindow(e, window, ctx) && matchesFilters(e.properties, where, ctx.trigger))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/** Evaluates a condition against the facts as of ctx.now. */
export function evaluateCondition(condition: Condition, ctx: ConditionContext): boolean {
  switch (condition.kind) {
    case "profile":
      return matchesFilters(profileView(ctx.facts.profile), [condition], ctx.trigger);
    case "event_count": {
      const n = matchingEvents(condition.event, condition.where, condition.since, ctx).length;
      return (condition.atLeast === undefined || n >= condition.atLeast) && (condition.atMost === undefined || n <= condition.atMost);
    }
    case "all":
      return condition.of.every((c) => evaluateCondition(c, ctx));
    case "any":
      return condition.of.some((c) => evaluateCondition(c, ctx));
    case "not":
      return !evaluateCondition(condition.condition, ctx);
  }
}

/** The index of the first condition that does not hold, or -1 when all hold. */
export function firstFailing(conditions: readonly Condition[], ctx: ConditionContext): number {
  return conditions.findIndex((c) => !evaluateCondition(c, ctx));
}
