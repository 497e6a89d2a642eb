/** Test builders and a virtual-clock worker that drives one run the way the real worker will. */
import type { JsonObject } from "../events/types";
import type { FlowDefinition } from "./definition";
import { advanceRun, type AdvanceResult } from "./engine";
import { shouldEnter, startRun, type EntryDecision } from "./entry";
import { wakeEvents, type FlowEvent, type FlowFacts, type FlowProfile } from "./facts";
import { DEFAULT_FLOW_SETTINGS, type Action, type FlowSettings, type RunState } from "./run";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const at = (iso: string) => new Date(iso);
export const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

export function makeProfile(overrides: Partial<FlowProfile> = {}): FlowProfile {
  return {
    id: "profile-1",
    email: "ada@example.com",
    emailConsent: "subscribed",
    suppressed: false,
    ordersCount: 0,
    averageDaysBetweenOrders: null,
    expectedNextOrderAt: null,
    firstOrderAt: null,
    lastOrderAt: null,
    properties: {},
    ...overrides,
  };
}

let counter = 0;
export function makeEvent(name: string, occurredAt: Date, properties: JsonObject = {}, id?: string): FlowEvent {
  return { id: id ?? `event-${++counter}`, name, occurredAt, properties };
}

export function makeFacts(overrides: Partial<FlowFacts> = {}): FlowFacts {
  return { profile: makeProfile(), events: [], lastMarketingEmailAt: null, ...overrides };
}

/** Settings with quiet hours off, so timing tests see the bare schedule unless they turn them on. */
export const NO_QUIET: FlowSettings = { ...DEFAULT_FLOW_SETTINGS, quietHoursStartMin: 0, quietHoursEndMin: 0 };

export function newRun(definition: FlowDefinition, trigger: FlowEvent, now: Date, options: Partial<{ runId: string; flowId: string; profileId: string; settings: FlowSettings; version: number }> = {}): RunState {
  return startRun({
    definition,
    version: options.version ?? 1,
    runId: options.runId ?? "run-1",
    flowId: options.flowId ?? "flow-1",
    profileId: options.profileId ?? "profile-1",
    trigger,
    now,
    settings: options.settings ?? NO_QUIET,
  });
}

/** An event in the timeline; `arrivedAt` (default occurredAt) is when the worker first sees it. */
export type TimedEvent = FlowEvent & { arrivedAt?: Date };

export type Simulation = {
  entry: EntryDecision;
  log: { at: Date; action: Action }[];
  result: AdvanceResult | null;
  /** Every advance call, for tests that replay one. */
  calls: { now: Date; run: RunState; facts: FlowFacts }[];
};

/**
 * Enters the profile at the trigger's arrival, then advances at every wake time and whenever a wake event
 * arrives, handing the engine only the events that have arrived by then, until `until` or the run ends.
 */
export function simulate(input: {
  definition: FlowDefinition;
  trigger: TimedEvent;
  events?: TimedEvent[];
  profile?: FlowProfile | ((now: Date) => FlowProfile);
  settings?: FlowSettings;
  lastMarketingEmailAt?: Date | null;
  until: Date;
  runId?: string;
  flowId?: string;
}): Simulation {
  const { definition, trigger } = input;
  const settings = input.settings ?? NO_QUIET;
  const timeline = [trigger, ...(input.events ?? [])];
  const arrival = (e: TimedEvent) => (e.arrivedAt ?? e.occurredAt).getTime();
  const profileAt = (now: Date) => (typeof input.profile === "function" ? input.profile(now) : input.profile ?? makeProfile());
  let lastMarketingEmailAt = input.lastMarketingEmailAt ?? null;
  const factsAt = (now: Date): FlowFacts => ({
    profile: profileAt(now),
    events: timeline.filter((e) => arrival(e) <= now.getTime()).map(({ arrivedAt: _arrived, ...e }) => e),
    lastMarketingEmailAt,
  });

  let now = new Date(arrival(trigger));
  const { arrivedAt: _arrived, ...triggerEvent } = trigger;
  const entry = shouldEnter({ definition, trigger: triggerEvent, facts: factsAt(now), now, previousRuns: [] });
  const simulation: Simulation = { entry, log: [], result: null, calls: [] };
  if (!entry.enter) return simulation;

  let run = newRun(definition, triggerEvent, now, { runId: input.runId, flowId: input.flowId, profileId: profileAt(now).id, settings });
  const wakers = new Set(wakeEvents(definition));
  for (let i = 0; i < 200; i++) {
    const facts = factsAt(now);
    simulation.calls.push({ now, run, facts });
    const result = advanceRun({ definition, version: 1, run, facts, now, settings });
    simulation.result = result;
    for (const action of result.actions) {
      simulation.log.push({ at: now, action });
      if (action.kind === "send_email") lastMarketingEmailAt = now;
    }
    run = result.state;
    if (result.status !== "waiting" || !result.nextWakeAt) break;
    const woken = timeline
      .filter((e) => wakers.has(e.name) && arrival(e) > now.getTime())
      .map(arrival)
      .sort((a, b) => a - b)[0];
    const next = Math.min(result.nextWakeAt.getTime(), woken ?? Infinity);
    if (next > input.until.getTime()) break;
    now = new Date(next);
  }
  return simulation;
}

/** The sends of a simulation as [template, ISO time] pairs. */
export function sends(simulation: Simulation): [string, string][] {
  return simulation.log.flatMap(({ at, action }) =>
    action.kind === "send_email" ? [[action.template, at.toISOString()] as [string, string]] : [],
  );
}

/** Non-send actions as "kind:reason" or kind, in order. */
export function others(simulation: Simulation): string[] {
  return simulation.log.flatMap(({ action }) =>
    action.kind === "send_email" ? [] : [action.kind === "skip" || action.kind === "exit" ? `${action.kind}:${action.reason}` : action.kind],
  );
}
