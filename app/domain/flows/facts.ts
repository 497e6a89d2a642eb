/** What the worker hands the engine about one profile, and what it must load to do so. */
import type { EmailConsentState, JsonObject, JsonValue } from "../events/types";
import type { Condition, FlowDefinition, Step } from "./definition";

/** One event from the profile's history (canonical or email engagement), as of its occurredAt. */
export type FlowEvent = { id: string; name: string; occurredAt: Date; properties: JsonObject };

export type FlowProfile = {
  id: string;
  email: string | null;
  emailConsent: EmailConsentState;
  /** The email is on the shop's suppression list (bounce, complaint, unsubscribe, manual, sunset). */
  suppressed: boolean;
  ordersCount: number;
  averageDaysBetweenOrders: number | null;
  expectedNextOrderAt: Date | null;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  /** Custom properties (birthday, ...). */
  properties: JsonObject;
};

/** A snapshot as of `now`: events that arrived late are simply present, dated by when they happened. */
export type FlowFacts = {
  profile: FlowProfile;
  events: FlowEvent[];
  /** The last marketing email sent to this profile by any flow or campaign. */
  lastMarketingEmailAt: Date | null;
};

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The profile as the JSON object conditions address by path ("ordersCount", "properties.birthday"). */
export function profileView(profile: FlowProfile): JsonObject {
  return {
    id: profile.id,
    email: profile.email,
    emailConsent: profile.emailConsent,
    suppressed: profile.suppressed,
    ordersCount: profile.ordersCount,
    averageDaysBetweenOrders: profile.averageDaysBetweenOrders,
    expectedNextOrderAt: iso(profile.expectedNextOrderAt),
    firstOrderAt: iso(profile.firstOrderAt),
    lastOrderAt: iso(profile.lastOrderAt),
    properties: profile.properties,
  };
}

/** Reads a dot path; numeric segments index arrays. */
export function valueAt(root: JsonValue | undefined, path: string): JsonValue | undefined {
  let current = root;
  for (const segment of path.split(".")) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = Array.isArray(current) ? current[Number(segment)] : current[segment];
  }
  return current;
}

function conditionsOf(step: Step): Condition[] {
  return step.kind === "condition" ? [step.condition] : [];
}

function walk(condition: Condition, visit: (c: Condition) => void): void {
  visit(condition);
  if (condition.kind === "all" || condition.kind === "any") condition.of.forEach((c) => walk(c, visit));
  if (condition.kind === "not") walk(condition.condition, visit);
}

/**
 * Which events the worker must load for a run: these names, from min(run start, now - lookbackDays).
 * lookbackDays is null when some condition counts over all history ("ever").
 */
export function factsNeeded(definition: FlowDefinition): { eventNames: string[]; lookbackDays: number | null } {
  const names = new Set<string>();
  let lookback: number | null = 0;
  const widen = (days: number | null) => {
    lookback = lookback === null || days === null ? null : Math.max(lookback, days);
  };
  const all = [
    ...definition.filters,
    ...definition.exits.map((e) => e.when),
    ...definition.steps.flatMap(conditionsOf),
  ];
  for (const root of all) {
    walk(root, (c) => {
      if (c.kind !== "event_count") return;
      names.add(c.event);
      if (c.since === "ever") widen(null);
      else if (c.since !== "flow_start") widen(c.since.days);
    });
  }
  for (const step of definition.steps) {
    if (step.kind === "delay" && step.wait.kind === "event") names.add(step.wait.event);
  }
  if (definition.trigger.kind === "engagement") {
    names.add("Received Email");
    definition.trigger.noneOf.forEach((n) => names.add(n));
    widen(definition.trigger.withinDays);
  }
  return { eventNames: [...names].sort(), lookbackDays: lookback };
}

/** Event names whose arrival should wake this flow's active runs at once (exits and event waits). */
export function wakeEvents(definition: FlowDefinition): string[] {
  const names = new Set<string>();
  for (const exit of definition.exits) {
    walk(exit.when, (c) => {
      if (c.kind === "event_count") names.add(c.event);
    });
  }
  for (const step of definition.steps) {
    if (step.kind === "delay" && step.wait.kind === "event") names.add(step.wait.event);
  }
  return [...names].sort();
}
