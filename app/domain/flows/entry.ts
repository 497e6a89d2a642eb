/** Who enters a flow: trigger matching, trigger and flow filters, re-entry, and the triggers the worker evaluates. */
import { isHoldout } from "./ab";
import { firstFailing, HUMAN_OPEN, matchingEvents, matchesFilters, type ConditionContext } from "./conditions";
import type { FlowDefinition, Trigger } from "./definition";
import { profileView, valueAt, type FlowEvent, type FlowFacts, type FlowProfile } from "./facts";
import type { FlowSettings, RunState, RunStatus } from "./run";
import { resolveDateProperty } from "./schedule";
import { localDateTime, parseLocalDate } from "./zoned-time";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Name of the synthetic event dateTriggerEvent makes; not stored, only handed to shouldEnter. */
export const DATE_TRIGGER_EVENT = "Date Property Reached";
/** The canonical event a segment trigger starts on; its properties name the segment. */
export const SEGMENT_TRIGGER_EVENT = "Entered Segment";
/** Name of the synthetic event engagementTriggerEvent makes. */
export const ENGAGEMENT_TRIGGER_EVENT = "Became Unengaged";
const DEFAULT_MAX_TRIGGER_AGE_HOURS = 24;

/** What the worker knows of the profile's earlier runs of this flow (any version). */
export type PreviousRun = { triggerEventId: string | null; enteredAt: Date; status: RunStatus };

export type EntryRefusal =
  | "trigger_mismatch"
  | "trigger_filters"
  | "stale_trigger"
  | "already_triggered"
  | "active_run"
  | "reentry"
  | "flow_filters";

export type EntryDecision = { enter: true } | { enter: false; reason: EntryRefusal };

function triggerMatches(trigger: Trigger, event: FlowEvent): EntryRefusal | null {
  switch (trigger.kind) {
    case "event":
      if (event.name !== trigger.event) return "trigger_mismatch";
      return matchesFilters(event.properties, trigger.where, event) ? null : "trigger_filters";
    case "list":
      if (event.name !== "Subscribed to Email") return "trigger_mismatch";
      return event.properties.listId === trigger.listId ? null : "trigger_filters";
    case "segment":
      if (event.name !== SEGMENT_TRIGGER_EVENT) return "trigger_mismatch";
      return event.properties.segmentId === trigger.segmentId ? null : "trigger_filters";
    case "date_property":
      return event.name === DATE_TRIGGER_EVENT && event.properties.property === trigger.property ? null : "trigger_mismatch";
    case "engagement":
      return event.name === ENGAGEMENT_TRIGGER_EVENT ? null : "trigger_mismatch";
  }
}

function reentryRefusal(definition: FlowDefinition, previousRuns: readonly PreviousRun[], now: Date): EntryRefusal | null {
  const active = previousRuns.some((r) => r.status === "waiting");
  switch (definition.reentry.mode) {
    case "every_trigger":
      return null;
    case "never":
      return previousRuns.length > 0 ? "reentry" : null;
    case "after_exit":
      return active ? "active_run" : null;
    case "after_days": {
      if (active) return "active_run";
      const cutoff = now.getTime() - definition.reentry.days * DAY_MS;
      return previousRuns.some((r) => r.enteredAt.getTime() > cutoff) ? "reentry" : null;
    }
  }
}

/** Whether an event starts a run for this profile: trigger, its filters, re-entry rule, then flow filters. */
export function shouldEnter(input: {
  definition: FlowDefinition;
  trigger: FlowEvent;
  facts: FlowFacts;
  now: Date;
  previousRuns: readonly PreviousRun[];
}): EntryDecision {
  const { definition, trigger, facts, now, previousRuns } = input;
  const refusal = triggerMatches(definition.trigger, trigger);
  if (refusal) return { enter: false, reason: refusal };
  const maxAgeMs = (definition.maxTriggerAgeHours ?? DEFAULT_MAX_TRIGGER_AGE_HOURS) * HOUR_MS;
  if (now.getTime() - trigger.occurredAt.getTime() > maxAgeMs) return { enter: false, reason: "stale_trigger" };
  // One trigger event starts at most one run, whatever the re-entry rule: redelivery must not double a flow.
  if (previousRuns.some((r) => r.triggerEventId === trigger.id)) return { enter: false, reason: "already_triggered" };
  const reentry = reentryRefusal(definition, previousRuns, now);
  if (reentry) return { enter: false, reason: reentry };
  const ctx: ConditionContext = { facts, now, since: trigger.occurredAt, trigger };
  if (firstFailing(definition.filters, ctx) !== -1) return { enter: false, reason: "flow_filters" };
  return { enter: true };
}

/** The state of a new run at the definition's start step; holdout decided here, once. */
export function startRun(input: {
  definition: FlowDefinition;
  version: number;
  runId: string;
  flowId: string;
  profileId: string;
  trigger: FlowEvent;
  now: Date;
  settings: FlowSettings;
}): RunState {
  const { definition, trigger, now } = input;
  const holdoutPercent = definition.holdoutPercent ?? input.settings.holdoutPercent;
  return {
    runId: input.runId,
    flowId: input.flowId,
    profileId: input.profileId,
    version: input.version,
    status: "waiting",
    stepId: definition.start,
    stepEnteredAt: now.toISOString(),
    startedAt: trigger.occurredAt.toISOString(),
    enteredAt: now.toISOString(),
    trigger: { id: trigger.id, name: trigger.name, occurredAt: trigger.occurredAt.toISOString(), properties: trigger.properties },
    holdout: isHoldout(holdoutPercent, { flowId: input.flowId, profileId: input.profileId }),
    variants: {},
    variant: "",
    exitReason: null,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * A yearly date trigger (birthday, first-order anniversary) that came due within the last `lookbackHours`,
 * as a synthetic event whose id names the occurrence, so each year enters at most once.
 */
export function dateTriggerEvent(input: {
  trigger: Extract<Trigger, { kind: "date_property" }>;
  profile: FlowProfile;
  now: Date;
  timezone: string;
  lookbackHours?: number;
}): FlowEvent | null {
  const { trigger, profile, now, timezone } = input;
  const value = valueAt(profileView(profile), trigger.property);
  if (typeof value !== "string") return null;
  // A date-only value must be a real day (a birthday typed as 1990-02-30 starts nothing); else any instant.
  const origin = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? parseLocalDate(value)
    : Number.isNaN(Date.parse(value))
      ? null
      : localDateTime(new Date(value), timezone);
  if (origin === null) return null;
  const thisYear = localDateTime(now, timezone).year;
  const since = now.getTime() - (input.lookbackHours ?? 24) * HOUR_MS;
  for (const year of [thisYear - 1, thisYear, thisYear + 1]) {
    if (year <= origin.year) continue;
    const lastDay = new Date(Date.UTC(year, origin.month, 0)).getUTCDate();
    const date = `${pad(year, 4)}-${pad(origin.month)}-${pad(Math.min(origin.day, lastDay))}`; // Feb 29 -> Feb 28
    const at = resolveDateProperty(date, { offsetDays: trigger.offsetDays, time: trigger.time ?? "09:00" }, timezone);
    if (at && at.getTime() <= now.getTime() && at.getTime() > since) {
      return {
        id: `date:${trigger.property}:${date}`,
        name: DATE_TRIGGER_EVENT,
        occurredAt: at,
        properties: { property: trigger.property, date, years: year - origin.year },
      };
    }
  }
  return null;
}

/** The sunset trigger: at least N emails received and none of `noneOf` within the window, as of `now`. */
export function engagementTriggerEvent(input: {
  trigger: Extract<Trigger, { kind: "engagement" }>;
  facts: FlowFacts;
  now: Date;
}): FlowEvent | null {
  const { trigger, facts, now } = input;
  const ctx: ConditionContext = { facts, now, since: now, trigger: null };
  const window = { days: trigger.withinDays };
  const received = matchingEvents("Received Email", undefined, window, ctx).length;
  if (received < trigger.receivedAtLeast) return null;
  // Machine opens (privacy prefetch, scanners) happen whether or not anyone reads: they are no engagement.
  const engaged = (name: string) => matchingEvents(name, name === "Opened Email" ? [HUMAN_OPEN] : undefined, window, ctx).length > 0;
  if (trigger.noneOf.some(engaged)) return null;
  return {
    id: `engagement:${now.toISOString().slice(0, 10)}`,
    name: ENGAGEMENT_TRIGGER_EVENT,
    occurredAt: now,
    properties: { received, withinDays: trigger.withinDays },
  };
}
