// The flow worker (docs/decisions/006-flow-engine-core.md): starts runs from new events and scheduled triggers,
// advances due runs through the pure engine, queues their emails once per idempotency key, delivers them, and
// re-credits history after an attribution change. Clock-free: every entry point takes `now`.
import { randomUUID } from "node:crypto";
import { Prisma, type Db } from "../db/client.server";
import { advanceRun, checkBeforeSend } from "../domain/flows/engine";
import type { FlowDefinition } from "../domain/flows/definition";
import { SEGMENT_TRIGGER_EVENT, shouldEnter, startRun, type EntryRefusal, type PreviousRun } from "../domain/flows/entry";
import { wakeEvents, type FlowEvent, type FlowFacts } from "../domain/flows/facts";
import { parseRunState, type Action, type FlowSettings, type RunState, type RunStatus } from "../domain/flows/run";
import { dayInTimezone } from "../domain/time";
import { claimDueRuns, saveRunStep } from "../models/flow-runs.server";
import { loadFlowFacts, loadFlowSettings } from "../models/flow-facts.server";
import { storedDefinition } from "../models/flow-definitions.server";
import { deliverQueued, queueMessage, type DeliverySummary } from "../models/messages.server";
import { emailDeliveryFromEnv, type EmailDelivery } from "./email-delivery.server";
import { systemClock, type Clock } from "../domain/clock";
import { sendSignupConfirmationsOnce } from "../models/signup-confirmations.server";
import { recomputeAttributionOnce } from "../models/attribution.server";
import { sweepMembershipsIfDue, type SweepState } from "../models/segment-membership.server";
import { incrementRollup, incrementRollups } from "../models/rollups.server";
import { countCohortEntry } from "../models/holdout.server";
import type { Mailer } from "../services/mailer/types";
import {
  afterFailure,
  applyProfileUpdate,
  defaultFlowActionDeps,
  isExternal,
  performExternal,
  type ActionRecord,
  type FlowActionDeps,
  type PendingAction,
} from "./flow-actions.server";
import { runCampaignsOnce } from "./campaign-worker.server";
import { startLoop } from "./loop";
import { triggerScheduledFlows, type ScheduledCursors, type ScheduledTriggerSummary } from "./scheduled-triggers.server";

const HOUR_MS = 3_600_000;
const DEFAULT_LEASE_MS = 5 * 60_000;
/** Skips kept on a run's stored state (the run visits each step once, so this is only a guard). */
const MAX_SKIPS = 20;
/** Action records kept on a run's stored state (`actions`). */
const MAX_ACTION_RECORDS = 50;
/** Events history imports write: they never trigger flows (a two-year-old order must not send a thank-you). */
const BACKFILL_SOURCE = "shopify_backfill";

// ---------------------------------------------------------------------------------------------------------------
// Triggering

export type TriggerOptions = {
  shopId: string;
  /** Events received strictly after this instant are looked at (Event.receivedAt; pass the previous cursor). */
  since: Date;
  now: Date;
  /** At most this many events per call (oldest received first); call again with the returned cursor. */
  limit?: number;
};

export type TriggerSummary = {
  /** The receivedAt of the last event looked at (or `since`): the next call's `since`. */
  cursor: Date;
  events: number;
  started: number;
  woken: number;
  refused: Partial<Record<EntryRefusal | "already_started", number>>;
};

export type LiveFlow = { id: string; versionId: string; version: number; definition: FlowDefinition };

/**
 * Looks at the shop's events received after `since` (backfilled ones ignored). For each: wakes the profile's waiting
 * runs whose flow wakes on that event (nextRunAt = now), then offers the event to every live flow. Repeating a
 * call is harmless: one trigger event starts at most one run per flow (shouldEnter, and the unique key on FlowRun).
 */
export async function triggerFlows(db: Db, options: TriggerOptions): Promise<TriggerSummary> {
  const { shopId, since, now } = options;
  const summary: TriggerSummary = { cursor: since, events: 0, started: 0, woken: 0, refused: {} };
  const events = await db.event.findMany({
    where: { shopId, receivedAt: { gt: since }, source: { not: BACKFILL_SOURCE }, profileId: { not: null } },
    orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
    take: options.limit ?? 500,
    select: { id: true, name: true, occurredAt: true, receivedAt: true, properties: true, profileId: true },
  });
  if (events.length === 0) return summary;
  summary.cursor = events[events.length - 1].receivedAt;

  const flows = await liveFlows(db, shopId);
  const settings = await loadFlowSettings(db, shopId);
  const definitions = new Map<string, FlowDefinition>(flows.map((f) => [f.versionId, f.definition]));
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { timezone: true } });

  for (const row of events) {
    summary.events++;
    const profileId = row.profileId!;
    const event: FlowEvent = { id: row.id, name: row.name, occurredAt: row.occurredAt, properties: asObject(row.properties) };
    summary.woken += await wakeRuns(db, shopId, profileId, event.name, now, definitions);
    for (const flow of flows) {
      if (!mayTrigger(flow.definition, event)) continue;
      const outcome = await enter(db, { shopId, profileId, flow, event, now, settings, timezone: shop?.timezone ?? "UTC" });
      if (outcome === "started") summary.started++;
      else if (outcome !== "trigger_mismatch") summary.refused[outcome] = (summary.refused[outcome] ?? 0) + 1;
    }
  }
  return summary;
}

export async function liveFlows(db: Db, shopId: string): Promise<LiveFlow[]> {
  const flows = await db.flow.findMany({ where: { shopId, status: "live", currentVersionId: { not: null } }, orderBy: { createdAt: "asc" } });
  const versions = await db.flowVersion.findMany({ where: { id: { in: flows.map((f) => f.currentVersionId!) } } });
  const byId = new Map(versions.map((v) => [v.id, v]));
  return flows.flatMap((flow) => {
    const version = byId.get(flow.currentVersionId!);
    return version ? [{ id: flow.id, versionId: version.id, version: version.version, definition: storedDefinition(version.definition) }] : [];
  });
}

/** A cheap look before loading facts: only event and list triggers are started by stored events. */
function mayTrigger(definition: FlowDefinition, event: FlowEvent): boolean {
  const trigger = definition.trigger;
  if (trigger.kind === "event") return trigger.event === event.name;
  if (trigger.kind === "list") return event.name === "Subscribed to Email";
  if (trigger.kind === "segment") return event.name === SEGMENT_TRIGGER_EVENT;
  return false; // date and engagement triggers are evaluated on a schedule (not built yet)
}

async function wakeRuns(db: Db, shopId: string, profileId: string, eventName: string, now: Date, definitions: Map<string, FlowDefinition>) {
  const runs = await db.flowRun.findMany({
    where: { shopId, profileId, status: { in: ["waiting", "running"] } },
    select: { id: true, flowVersionId: true },
  });
  const ids: string[] = [];
  for (const run of runs) {
    let definition = definitions.get(run.flowVersionId);
    if (!definition) {
      const version = await db.flowVersion.findUnique({ where: { id: run.flowVersionId }, select: { definition: true } });
      if (!version) continue;
      definition = storedDefinition(version.definition);
      definitions.set(run.flowVersionId, definition);
    }
    if (wakeEvents(definition).includes(eventName)) ids.push(run.id);
  }
  if (ids.length === 0) return 0;
  const { count } = await db.flowRun.updateMany({
    where: { id: { in: ids }, status: { in: ["waiting", "running"] }, OR: [{ nextRunAt: null }, { nextRunAt: { gt: now } }] },
    data: { nextRunAt: now },
  });
  return count;
}

export async function enter(
  db: Db,
  input: { shopId: string; profileId: string; flow: LiveFlow; event: FlowEvent; now: Date; settings: FlowSettings; timezone: string },
): Promise<"started" | EntryRefusal | "already_started"> {
  const { shopId, profileId, flow, event, now } = input;
  const facts = await loadFlowFacts(db, shopId, profileId, flow.definition, now, { since: event.occurredAt });
  if (!facts) return "trigger_mismatch";
  const previous = await db.flowRun.findMany({
    where: { flowId: flow.id, profileId },
    select: { triggerEventId: true, enteredAt: true, status: true },
  });
  const previousRuns: PreviousRun[] = previous.map((r) => ({
    triggerEventId: r.triggerEventId,
    enteredAt: r.enteredAt,
    status: (r.status === "running" ? "waiting" : r.status) as RunStatus,
  }));
  const decision = shouldEnter({ definition: flow.definition, trigger: event, facts, now, previousRuns });
  if (!decision.enter) return decision.reason;

  const runId = randomUUID();
  const state = startRun({ definition: flow.definition, version: flow.version, runId, flowId: flow.id, profileId, trigger: event, now, settings: input.settings });
  try {
    await db.$transaction(async (tx) => {
      await tx.flowRun.create({
        data: {
          id: runId,
          shopId,
          flowId: flow.id,
          flowVersionId: flow.versionId,
          profileId,
          status: "waiting",
          stepId: state.stepId,
          state: state as unknown as Prisma.InputJsonValue,
          holdout: state.holdout,
          triggerEventId: event.id,
          enteredAt: now,
          nextRunAt: now,
        },
      });
      const day = dayInTimezone(now, input.timezone);
      await incrementRollup(tx, { shopId, day, metric: "entered", flowId: flow.id, flowVersionId: flow.versionId }, 1n);
      // The profile's row lock orders this against an order of the same person being counted (ingest takes it too).
      await tx.profile.update({ where: { id: profileId }, data: { updatedAt: now } });
      await countCohortEntry(tx, { id: shopId, timezone: input.timezone }, { shopId, flowId: flow.id, holdout: state.holdout, enteredAt: now, profileId });
    });
  } catch (error) {
    // Another worker started this run from the same event first.
    if (isUniqueViolation(error)) return "already_started";
    throw error;
  }
  return "started";
}

// ---------------------------------------------------------------------------------------------------------------
// Advancing

export type AdvanceOptions = {
  /** This worker's lease owner id: unique per worker (and per process). */
  owner: string;
  now: Date;
  limit?: number;
  leaseMs?: number;
  /** For tag_customer and webhook actions (default: defaultFlowActionDeps(), loaded when first needed). */
  actions?: FlowActionDeps;
};

export type RunOutcome = "advanced" | "fenced" | "failed";
export type AdvanceSummary = { claimed: number; advanced: number; fenced: number; failed: number; queued: number; skipped: number };

/** A skip the worker recorded on the run's stored state (`skips`, next to the engine's RunState). */
export type RecordedSkip = { stepId: string; reason: string; detail: string | null; at: string };

class FencedOff extends Error {}

/** Claims due runs for `owner` and advances each; a run another worker took meanwhile is left to it. */
export async function advanceDueRuns(db: Db, options: AdvanceOptions): Promise<AdvanceSummary> {
  const summary: AdvanceSummary = { claimed: 0, advanced: 0, fenced: 0, failed: 0, queued: 0, skipped: 0 };
  const ids = await claimDueRuns(db, options.owner, options.now, options.leaseMs ?? DEFAULT_LEASE_MS, options.limit ?? 100);
  summary.claimed = ids.length;
  const settings = new Map<string, FlowSettings>();
  for (const id of ids) {
    const result = await advanceClaimedRun(db, id, options.owner, options.now, settings, options.actions);
    summary[result.outcome]++;
    summary.queued += result.queued;
    summary.skipped += result.skipped;
  }
  return summary;
}

type ShopContext = { name: string; timezone: string; domain: string };

/**
 * Advances one run this worker has claimed: facts as of `now`, the engine, then in ONE transaction the fenced
 * save of the new state and, for each email, a last checkBeforeSend on facts re-read inside the transaction and
 * queueMessage by the action's idempotency key. If another worker holds the run by now, everything rolls back.
 */
export async function advanceClaimedRun(
  db: Db,
  runId: string,
  owner: string,
  now: Date,
  settingsCache: Map<string, FlowSettings> = new Map(),
  actionDeps?: FlowActionDeps,
): Promise<{ outcome: RunOutcome; queued: number; skipped: number }> {
  const row = await db.flowRun.findUnique({
    where: { id: runId },
    include: {
      flowVersion: { select: { version: true, definition: true } },
      shop: { select: { name: true, timezone: true, domain: true } },
    },
  });
  if (!row || row.leaseOwner !== owner) return { outcome: "fenced", queued: 0, skipped: 0 };
  const fail = async (reason: string) => {
    const saved = await saveRunStep(db, runId, owner, { status: "failed", nextRunAt: null, exitReason: reason, completedAt: now });
    return { outcome: saved ? ("failed" as const) : ("fenced" as const), queued: 0, skipped: 0 };
  };

  const parsed = parseRunState(row.state);
  if (!parsed.ok) return fail("invalid_state");
  let definition: FlowDefinition;
  try {
    definition = storedDefinition(row.flowVersion.definition);
  } catch {
    return fail("invalid_definition");
  }
  const run = parsed.value;
  const settings = settingsCache.get(row.shopId) ?? (await loadFlowSettings(db, row.shopId));
  settingsCache.set(row.shopId, settings);
  const since = new Date(run.startedAt);
  const facts = await loadFlowFacts(db, row.shopId, row.profileId, definition, now, { since });
  if (!facts) return fail("profile_missing");

  const result = advanceRun({ definition, version: row.flowVersion.version, run, facts, now, settings });
  const earlierSkips = skipsOf(row.state);
  const earlierPending = pendingOf(row.state);
  const earlierRecords = recordsOf(row.state);
  const shop: ShopContext = row.shop;
  const ids = { shopId: row.shopId, flowVersionId: row.flowVersionId };

  // Set inside the transaction when external actions are pending (the cast keeps TypeScript from narrowing to null).
  let external = null as { state: Record<string, unknown>; status: RunStatus; nextRunAt: Date | null; variant: string } | null;
  let committed: { outcome: "advanced"; queued: number; skipped: number };
  try {
    committed = await db.$transaction(async (tx) => {
      let state: RunState = result.state;
      let status = result.status;
      let nextRunAt = result.nextWakeAt;
      const skips: RecordedSkip[] = [];
      const sends: Array<Extract<Action, { kind: "send_email" }>> = [];
      let fresh: FlowFacts | null = null;
      const records: ActionRecord[] = [];
      const pending: PendingAction[] = [...earlierPending];

      for (const action of result.actions) {
        if (action.kind === "skip") {
          skips.push({ stepId: action.stepId, reason: action.reason, detail: action.detail, at: now.toISOString() });
        } else if (action.kind === "send_email") {
          // The last look, on facts read inside this transaction: an order that landed since is caught here.
          fresh ??= await loadFlowFacts(tx, row.shopId, row.profileId, definition, now, { since });
          const check = fresh ? checkBeforeSend({ definition, run: state, action, facts: fresh, now }) : { ok: false as const, reason: "profile_missing" };
          if (check.ok) {
            sends.push(action);
          } else if (check.reason.startsWith("exit:")) {
            const reason = check.reason.slice("exit:".length);
            state = { ...state, status: "exited", exitReason: reason };
            status = "exited";
            nextRunAt = null;
            break; // nothing after an exit is performed
          } else {
            skips.push({ stepId: action.stepId, reason: check.reason, detail: "checked before send", at: now.toISOString() });
          }
        } else if (action.kind === "update_profile") {
          // In this transaction: it commits together with the step's state, so it happens exactly once.
          const record = await applyProfileUpdate(tx, { shopId: row.shopId, action, now });
          records.push(record);
          if (record.outcome === "skipped") skips.push({ stepId: action.stepId, reason: record.detail ?? "skipped", detail: null, at: now.toISOString() });
        } else if (isExternal(action)) {
          // After the commit (below), from the run's pending list: retried later if the call fails.
          pending.push({ action, attempts: 0, nextAttemptAt: now.toISOString(), lastError: null });
        }
      }

      const finished = status !== "waiting";
      const stored = {
        ...state,
        skips: [...earlierSkips, ...skips].slice(-MAX_SKIPS),
        actions: [...earlierRecords, ...records].slice(-MAX_ACTION_RECORDS),
        pending,
      };
      if (pending.length > 0) {
        // Keep the lease: the external actions are performed right after this commits, then the run is saved.
        const { count } = await tx.flowRun.updateMany({
          where: { id: runId, leaseOwner: owner },
          data: { status: "running", stepId: state.stepId, state: stored as unknown as Prisma.InputJsonValue, exitReason: state.exitReason },
        });
        if (count !== 1) throw new FencedOff();
        external = { state: stored, status, nextRunAt: finished ? null : nextRunAt, variant: state.variant };
      } else {
        const saved = await saveRunStep(tx, runId, owner, {
          status,
          stepId: state.stepId,
          state: stored as unknown as Prisma.InputJsonValue,
          nextRunAt: finished ? null : nextRunAt,
          exitReason: state.exitReason,
          completedAt: finished ? now : null,
        });
        if (!saved) throw new FencedOff();
      }

      const day = dayInTimezone(now, shop.timezone);
      await incrementRollups(
        tx,
        skips.map((skip) => ({ key: { ...ids, day, flowId: row.flowId, stepId: skip.stepId, variant: state.variant, metric: `skipped:${skip.reason}` }, by: 1n })),
      );
      let queued = 0;
      if (sends.length > 0) {
        const profile = await tx.profile.findUnique({ where: { id: row.profileId }, select: { email: true, firstName: true } });
        for (const action of sends) {
          if (!profile?.email) continue; // checkBeforeSend refuses a missing address; kept for the type
          // Content is rendered at delivery (email-render.server.ts): the subject here is the step's, until then.
          const { created } = await queueMessage(tx, {
            shopId: row.shopId,
            profileId: row.profileId,
            idempotencyKey: action.idempotencyKey,
            toEmail: profile.email,
            subject: action.subject,
            html: null,
            text: null,
            runId,
            flowId: row.flowId,
            flowVersionId: row.flowVersionId,
            stepId: action.stepId,
            variant: action.variant,
            notBefore: now,
          });
          if (created) queued++;
        }
      }
      return { outcome: "advanced" as const, queued, skipped: skips.length };
    });
  } catch (error) {
    if (error instanceof FencedOff) return { outcome: "fenced", queued: 0, skipped: 0 };
    throw error;
  }
  if (!external) return committed;
  const done = await performPending(db, { runId, owner, now, row: { flowId: row.flowId, ...ids }, shop: row.shop, external, deps: actionDeps });
  if (done === "fenced") return { outcome: "fenced", queued: committed.queued, skipped: committed.skipped };
  return { ...committed, skipped: committed.skipped + done.skipped };
}

/**
 * Performs the run's due pending actions (tag_customer, webhook) while still holding its lease, then saves the
 * run: entries that failed retryably stay pending with a later nextAttemptAt (the run wakes then, and a run the
 * engine has finished stays "running" until its list is empty); given-up, refused and skipped ones are recorded.
 * A crash in between leaves the list as it was: another worker repeats those calls under the same keys.
 */
async function performPending(
  db: Db,
  input: {
    runId: string;
    owner: string;
    now: Date;
    row: { shopId: string; flowId: string; flowVersionId: string };
    shop: { timezone: string; domain: string };
    external: { state: Record<string, unknown>; status: RunStatus; nextRunAt: Date | null; variant: string };
    deps: FlowActionDeps | undefined;
  },
): Promise<"fenced" | { skipped: number }> {
  const { runId, owner, now, row, external } = input;
  const state = external.state as RunState & { pending: PendingAction[]; actions: ActionRecord[]; skips: RecordedSkip[] };
  const remaining: PendingAction[] = [];
  const records: ActionRecord[] = [];
  const skips: RecordedSkip[] = [];
  let deps = input.deps;
  for (const entry of state.pending) {
    if (new Date(entry.nextAttemptAt) > now) {
      remaining.push(entry);
      continue;
    }
    const { action } = entry;
    deps ??= await defaultFlowActionDeps();
    const attempt = await performExternal(db, deps, action, { shop: { id: row.shopId, domain: input.shop.domain }, run: state, now });
    const base = { key: action.idempotencyKey, kind: action.kind, stepId: action.stepId, at: now.toISOString() };
    if (attempt.status === "done") {
      records.push({ ...base, outcome: "done", detail: attempt.detail });
    } else if (attempt.status === "skipped") {
      records.push({ ...base, outcome: "skipped", detail: attempt.detail ? `${attempt.reason}: ${attempt.detail}` : attempt.reason });
      skips.push({ stepId: action.stepId, reason: attempt.reason, detail: attempt.detail, at: now.toISOString() });
    } else {
      const next = attempt.status === "retry" ? afterFailure(entry, attempt.error, now) : null;
      if (next) {
        remaining.push(next);
        records.push({ ...base, outcome: "retrying", detail: attempt.error });
      } else {
        records.push({ ...base, outcome: "failed", detail: attempt.error });
        skips.push({ stepId: action.stepId, reason: "action_failed", detail: attempt.error, at: now.toISOString() });
      }
    }
  }

  const finished = external.status !== "waiting";
  const retryAt = remaining.reduce<Date | null>((min, e) => {
    const at = new Date(e.nextAttemptAt);
    return min === null || at < min ? at : min;
  }, null);
  const nextRunAt = [external.nextRunAt, retryAt].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const stored = {
    ...state,
    skips: [...state.skips, ...skips].slice(-MAX_SKIPS),
    actions: [...state.actions, ...records].slice(-MAX_ACTION_RECORDS),
    pending: remaining,
  };
  const done = finished && remaining.length === 0;
  try {
    await db.$transaction(async (tx) => {
      const saved = await saveRunStep(tx, runId, owner, {
        status: remaining.length > 0 ? (finished ? "running" : "waiting") : external.status,
        stepId: state.stepId,
        state: stored as unknown as Prisma.InputJsonValue,
        nextRunAt: done ? null : nextRunAt,
        exitReason: state.exitReason,
        completedAt: done ? now : null,
      });
      if (!saved) throw new FencedOff();
      const day = dayInTimezone(now, input.shop.timezone);
      await incrementRollups(
        tx,
        skips.map((skip) => ({
          key: { shopId: row.shopId, flowVersionId: row.flowVersionId, day, flowId: row.flowId, stepId: skip.stepId, variant: external.variant, metric: `skipped:${skip.reason}` },
          by: 1n,
        })),
      );
    });
  } catch (error) {
    if (error instanceof FencedOff) return "fenced";
    throw error;
  }
  return { skipped: skips.length };
}

function pendingOf(state: unknown): PendingAction[] {
  const pending = (asObject(state) as { pending?: unknown }).pending;
  return Array.isArray(pending) ? (pending as PendingAction[]) : [];
}

function recordsOf(state: unknown): ActionRecord[] {
  const records = (asObject(state) as { actions?: unknown }).actions;
  return Array.isArray(records) ? (records as ActionRecord[]) : [];
}

function skipsOf(state: unknown): RecordedSkip[] {
  const skips = (asObject(state) as { skips?: unknown }).skips;
  return Array.isArray(skips) ? (skips as RecordedSkip[]) : [];
}

// ---------------------------------------------------------------------------------------------------------------
// One pass for the demo / in-process loop

export type RunFlowsOptions = {
  now: Date;
  owner?: string;
  limit?: number;
  /** Per-shop trigger cursors, kept by the caller between passes (default: this module's own map). */
  cursors?: Map<string, Date>;
  /** A shop seen for the first time is scanned from here (default: now - 24 h, the default maximum trigger age). */
  initialSince?: Date;
  /** Sender for shops without one in their settings. */
  defaultFrom?: string;
  /** Rendering and unsubscribe headers (default: from the environment, emailDeliveryFromEnv). */
  delivery?: EmailDelivery;
  /** Date-property and sunset scan positions, kept by the caller between passes (default: the module's own). */
  scheduledCursors?: ScheduledCursors;
  /** Segment membership sweep positions per shop (default: the module's own). */
  segmentSweeps?: SweepState;
  /** Where signup confirmation links point and their signing secret (default: from the environment). */
  signupLinks?: { appUrl: string; secret: string };
};

async function signupLinksFromEnv() {
  const { env } = await import("../env.server");
  return { appUrl: env.SHOPIFY_APP_URL, secret: env.SESSION_SECRET };
}

const processCursors = new Map<string, Date>();
const processSweeps: SweepState = new Map();
const deliveries = new WeakMap<Db, Promise<EmailDelivery>>();
/** One EmailDelivery per client for the process (its template cache lives as long as the process). */
function processDelivery(db: Db): Promise<EmailDelivery> {
  let delivery = deliveries.get(db);
  if (!delivery) deliveries.set(db, (delivery = emailDeliveryFromEnv(db)));
  return delivery;
}
const processOwner = `flow-worker-${randomUUID()}`;

/** triggerFlows for every shop with live flows, then advanceDueRuns, then deliverQueued. */
const CURSOR_OVERLAP_MS = 30_000;

export async function runFlowsOnce(db: Db, mailer: Mailer, options: RunFlowsOptions) {
  const { now } = options;
  const cursors = options.cursors ?? processCursors;
  const shops = await db.flow.findMany({ where: { status: "live" }, distinct: ["shopId"], select: { shopId: true } });
  const triggered: TriggerSummary[] = [];
  const scheduled: ScheduledTriggerSummary[] = [];
  for (const { shopId } of shops) {
    // Segment conditions on time ("no order in 90 days") change without events: a sweep finds who entered or left.
    await sweepMembershipsIfDue(db, shopId, now, options.segmentSweeps ?? processSweeps);
    // Re-read a short overlap: an event row can commit after a later-stamped one was already seen. Seeing an
    // event twice is harmless (runs are unique per trigger event).
    const cursor = cursors.get(shopId);
    let since = cursor ? new Date(cursor.getTime() - CURSOR_OVERLAP_MS) : (options.initialSince ?? new Date(now.getTime() - 24 * HOUR_MS));
    for (;;) {
      const result = await triggerFlows(db, { shopId, since, now, limit: options.limit ?? 500 });
      triggered.push(result);
      since = result.cursor;
      if (result.events < (options.limit ?? 500)) break;
    }
    cursors.set(shopId, since);
    scheduled.push(await triggerScheduledFlows(db, { shopId, now, limit: options.limit ?? 500, ...(options.scheduledCursors ? { cursors: options.scheduledCursors } : {}) }));
  }
  const advanced = await advanceDueRuns(db, { owner: options.owner ?? processOwner, now, limit: options.limit ?? 100 });
  // Campaign emails join the same queue, so one deliverQueued sends (and tracks) flow and campaign emails alike.
  const campaigns = await runCampaignsOnce(db, { now, limit: options.limit ?? 200 });
  const delivery = options.delivery ?? (await processDelivery(db));
  const delivered: DeliverySummary = await deliverQueued(db, mailer, {
    ...delivery,
    now,
    limit: options.limit ?? 100,
    ...(options.defaultFrom ? { defaultFrom: options.defaultFrom } : {}),
  });
  // Double opt-in confirmation emails of storefront signups: transactional, so outside the flow machinery.
  const confirmations = await sendSignupConfirmationsOnce(db, mailer, {
    now,
    links: options.signupLinks ? async () => options.signupLinks! : signupLinksFromEnv,
    ...(options.defaultFrom ? { defaultFrom: options.defaultFrom } : {}),
  });
  // History re-attributed after a change of attribution rule or window, a batch per pass.
  const recomputing = await recomputeAttributionOnce(db, { now, limit: options.limit ?? 200 });
  return { triggered, scheduled, advanced, campaigns, delivered, confirmations, recomputing };
}

// ---------------------------------------------------------------------------------------------------------------

function asObject(json: unknown): FlowEvent["properties"] {
  return (json !== null && typeof json === "object" && !Array.isArray(json) ? json : {}) as FlowEvent["properties"];
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** Runs flows continuously with the real clock: straight on while runs are due in bulk, else every second. */
export function startFlowWorker(db: Db, mailer: Mailer, options: { idleMs?: number; limit?: number; clock?: Clock } = {}) {
  const limit = options.limit ?? 100;
  const clock = options.clock ?? systemClock;
  return startLoop(
    "flow worker",
    async () => {
      const pass = await runFlowsOnce(db, mailer, { now: clock.now(), limit });
      return pass.advanced.claimed >= limit || pass.scheduled.some((s) => s.more) || pass.campaigns.more || pass.recomputing;
    },
    options.idleMs ?? 1000,
  );
}
