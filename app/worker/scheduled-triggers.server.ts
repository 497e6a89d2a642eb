// Flow triggers no stored event starts (issue 4): a date property's yearly occurrence (birthday, first-order
// anniversary) and the sunset "unengaged" rule. Each pass narrows the shop's profiles in SQL, confirms each with the
// pure trigger functions (domain/flows/entry.ts) and enters them through the event triggers' own `enter`, so
// re-entry, holdout, filters and the (flowId, profileId, triggerEventId) key apply unchanged; the synthetic trigger
// id (one per occurrence, one per day) makes a repeated pass, or a second worker's, a no-op.
import { Prisma, providerOf, type Db } from "../db/client.server";
import type { FlowDefinition, Trigger } from "../domain/flows/definition";
import { dateTriggerEvent, engagementTriggerEvent, type EntryRefusal } from "../domain/flows/entry";
import { profileView, valueAt, type FlowEvent, type FlowFacts } from "../domain/flows/facts";
import type { FlowSettings } from "../domain/flows/run";
import { addLocalDays, localDateTime, parseTimeOfDay, zonedInstant, type LocalDate } from "../domain/flows/zoned-time";
import { loadFlowFacts, loadFlowSettings } from "../models/flow-facts.server";
import { enter, liveFlows, type LiveFlow } from "./flow-worker.server";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_LIMIT = 500;
const DEFAULT_LOOKBACK_HOURS = 24;
/** Profiles per engagement query, and slices per call: by default 20,000 profiles looked through per call and flow. */
const DEFAULT_SLICE = 2_000;
const SLICES_PER_CALL = 10;
/** Messages that reached the recipient: what "received" counts for an engagement trigger. */
const RECEIVED_STATUSES = ["sent", "delivered"];
/** Profile date columns a date trigger may name; any other path must be under `properties.`. */
const DATE_COLUMNS = ["firstOrderAt", "lastOrderAt", "expectedNextOrderAt"] as const;

type DateTrigger = Extract<Trigger, { kind: "date_property" }>;
type EngagementTrigger = Extract<Trigger, { kind: "engagement" }>;

/** Where one flow's scan stands (per flow version); see ScheduledCursors. */
export type ScheduledCursor =
  /** Occurrences up to `scannedTo` were looked at; `open` is a window still being paged through. */
  | { kind: "date"; scannedTo: Date; open: { to: Date; after: string } | null }
  /** The day's (UTC, as the trigger id) scan, paged by profile id. */
  | { kind: "engagement"; day: string; after: string; done: boolean };

/** Per worker: a lost map only costs one more scan (runs stay unique), so it lives in memory, keyed by version id. */
export type ScheduledCursors = Map<string, ScheduledCursor>;

export type ScheduledTriggerOptions = {
  shopId: string;
  now: Date;
  /** Profiles looked at per call, across the shop's flows (default 500); call again while `more`. */
  limit?: number;
  /** A date occurrence this many hours old still enters (default 24: a pass missed overnight catches up). */
  lookbackHours?: number;
  /** Scan positions kept by the caller between passes (default: this module's own map). */
  cursors?: ScheduledCursors;
  /** Profiles per engagement query (default 2,000): bounds each query's work however large the shop. */
  engagementSlice?: number;
};

export type ScheduledTriggerSummary = {
  /** Live flows with a date or engagement trigger that were looked at. */
  flows: number;
  /** Flows whose date property no query can read (neither `properties.*` nor a profile date column). */
  unsupported: number;
  /** Profiles the SQL narrowing returned. */
  candidates: number;
  /** Candidates the pure trigger check turned down (the SQL is a coarse filter). */
  notDue: number;
  started: number;
  refused: Partial<Record<EntryRefusal | "already_started", number>>;
  /** Stopped before the end (the limit, or an engagement scan's slices per call): call again. */
  more: boolean;
};

const processCursors: ScheduledCursors = new Map();

type Context = { db: Db; shopId: string; now: Date; settings: FlowSettings; summary: ScheduledTriggerSummary; slice: number };

/**
 * Enters the shop's due profiles into its live date-property and engagement flows. Bounded: at most `limit`
 * profiles per call, resumed from `cursors`; a date flow queries only when an occurrence time (e.g. 09:00 shop
 * time) passed since the last call, an engagement flow once per day. Safe in any number of workers at once.
 */
export async function triggerScheduledFlows(db: Db, options: ScheduledTriggerOptions): Promise<ScheduledTriggerSummary> {
  const { shopId, now } = options;
  const summary: ScheduledTriggerSummary = { flows: 0, unsupported: 0, candidates: 0, notDue: 0, started: 0, refused: {}, more: false };
  const flows = (await liveFlows(db, shopId)).filter((f) => ["date_property", "engagement"].includes(f.definition.trigger.kind));
  if (flows.length === 0) return summary;
  const slice = Math.max(1, options.engagementSlice ?? DEFAULT_SLICE);
  const ctx: Context = { db, shopId, now, settings: await loadFlowSettings(db, shopId), summary, slice };
  const cursors = options.cursors ?? processCursors;
  const lookbackHours = options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS;
  let budget = Math.max(1, options.limit ?? DEFAULT_LIMIT);

  for (const flow of flows) {
    const trigger = flow.definition.trigger;
    let used: { candidates: number; finished: boolean };
    if (trigger.kind === "engagement") used = await scanEngagement(ctx, flow, trigger, cursors, budget);
    else if (trigger.kind === "date_property") used = await scanDates(ctx, flow, trigger, cursors, budget, lookbackHours);
    else continue;
    summary.flows++;
    budget -= used.candidates;
    if (!used.finished) {
      summary.more = true;
      break;
    }
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------------------------
// Date properties

async function scanDates(ctx: Context, flow: LiveFlow, trigger: DateTrigger, cursors: ScheduledCursors, budget: number, lookbackHours: number) {
  const { now, settings } = ctx;
  const source = dateSource(trigger.property);
  if (!source) {
    ctx.summary.unsupported++;
    return { candidates: 0, finished: true };
  }
  const earliest = new Date(now.getTime() - lookbackHours * HOUR_MS);
  const saved = cursors.get(flow.versionId);
  const cursor = saved?.kind === "date" ? saved : { kind: "date" as const, scannedTo: earliest, open: null };
  const from = cursor.scannedTo > earliest ? cursor.scannedTo : earliest;
  const to = cursor.open?.to ?? now;
  const keys = monthDayKeys(dueAnniversaries(trigger, from, to, settings.timezone));
  if (keys.length === 0) {
    cursors.set(flow.versionId, { kind: "date", scannedTo: to, open: null });
    return { candidates: 0, finished: true };
  }

  const provider = providerOf(ctx.db);
  const rows = await ctx.db.$queryRaw<Array<{ id: string }>>(Prisma.sql`
    SELECT p."id" FROM "Profile" p
    WHERE p."shopId" = ${ctx.shopId} AND p."mergedIntoId" IS NULL AND p."id" > ${cursor.open?.after ?? ""}
      AND ${monthDayOf(source, provider)} IN (${Prisma.join(keys)})
      ${reentryExclusion(flow, now)}
    ORDER BY p."id"
    LIMIT ${budget}`);
  for (const { id } of rows) {
    await offer(ctx, flow, id, (facts) =>
      isCalendarDate(valueAt(profileView(facts.profile), trigger.property))
        ? dateTriggerEvent({ trigger, profile: facts.profile, now, timezone: settings.timezone, lookbackHours })
        : null,
    );
  }
  const finished = rows.length < budget;
  cursors.set(flow.versionId, finished
    ? { kind: "date", scannedTo: to, open: null }
    : { kind: "date", scannedTo: cursor.scannedTo, open: { to, after: rows[rows.length - 1].id } });
  return { candidates: rows.length, finished };
}

type DateSource = { kind: "json"; segments: string[] } | { kind: "column"; column: (typeof DATE_COLUMNS)[number] };

function dateSource(property: string): DateSource | null {
  const segments = property.split(".");
  if (segments[0] === "properties" && segments.length > 1) return { kind: "json", segments: segments.slice(1) };
  const column = DATE_COLUMNS.find((c) => c === property);
  return column ? { kind: "column", column } : null;
}

/**
 * "MM-DD" of the stored value, as the database sees it: characters 6-10 of a "YYYY-MM-DD..." string, the UTC
 * month and day of a date column. Any other shape yields text that is never a key, so it never matches.
 */
function monthDayOf(source: DateSource, provider: "sqlite" | "postgresql"): Prisma.Sql {
  if (source.kind === "column") {
    const column = Prisma.raw(`p."${source.column}"`); // from DATE_COLUMNS, never from input
    return provider === "postgresql" ? Prisma.sql`to_char(${column}, 'MM-DD')` : Prisma.sql`substr(${column}, 6, 5)`;
  }
  if (provider === "postgresql") return Prisma.sql`substr(p."properties" #>> ${source.segments}::text[], 6, 5)`;
  const path = `$${source.segments.map((s) => `."${s}"`).join("")}`; // segments are [A-Za-z0-9_]+ (definition schema)
  return Prisma.sql`substr(CASE WHEN json_valid(p."properties") THEN json_extract(p."properties", ${path}) END, 6, 5)`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A real calendar date, alone or starting an ISO 8601 date-time. dateTriggerEvent leaves the rest to Date.parse,
 * which V8 makes lenient ("xxxx-11-25" is Nov 25 2001, "1990-02-30" is Mar 2): such values must not enter.
 */
function isCalendarDate(value: unknown): boolean {
  const m = typeof value === "string" ? ISO_DATE.exec(value) : null;
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const sameDay = (a: LocalDate, b: LocalDate) => a.year === b.year && a.month === b.month && a.day === b.day;
const pad = (n: number) => String(n).padStart(2, "0");

/**
 * The anniversary dates whose occurrence (the date plus offsetDays, at `time` in the shop's timezone, as
 * dateTriggerEvent places it) falls in (from, to]. Usually none: one occurrence time passes per local day.
 */
function dueAnniversaries(trigger: DateTrigger, from: Date, to: Date, timezone: string): LocalDate[] {
  const minutes = parseTimeOfDay(trigger.time ?? "09:00");
  const offset = trigger.offsetDays ?? 0;
  const last = addLocalDays(localDateTime(to, timezone), 1);
  const due: LocalDate[] = [];
  for (let day = addLocalDays(localDateTime(from, timezone), -1); ; day = addLocalDays(day, 1)) {
    const at = zonedInstant(day, minutes, timezone).getTime();
    if (at > from.getTime() && at <= to.getTime()) due.push(addLocalDays(day, -offset));
    if (sameDay(day, last)) return due;
  }
}

/**
 * The stored month-days that may hold one of these anniversaries: a day either side, because a date-time is
 * stored in UTC (or its own offset) while the anniversary is the shop's local day; Feb 29 counts on Feb 28.
 */
function monthDayKeys(anniversaries: LocalDate[]): string[] {
  const keys = new Set<string>();
  for (const date of anniversaries) {
    for (const delta of [-1, 0, 1]) {
      const d = addLocalDays(date, delta);
      keys.add(`${pad(d.month)}-${pad(d.day)}`);
    }
  }
  if (keys.has("02-28")) keys.add("02-29");
  return [...keys].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Engagement (sunset)

async function scanEngagement(ctx: Context, flow: LiveFlow, trigger: EngagementTrigger, cursors: ScheduledCursors, budget: number) {
  const { db, shopId, now } = ctx;
  const day = now.toISOString().slice(0, 10);
  const saved = cursors.get(flow.versionId);
  const cursor = saved?.kind === "engagement" && saved.day === day ? saved : { kind: "engagement" as const, day, after: "", done: false };
  if (cursor.done) return { candidates: 0, finished: true };

  const from = new Date(now.getTime() - trigger.withinDays * DAY_MS);
  let after = cursor.after;
  let candidates = 0;
  for (let slice = 0; slice < SLICES_PER_CALL; slice++) {
    // A slice of the shop's profiles by id keeps each query's work bounded, however large the shop.
    const upper = await sliceEnd(db, shopId, after, ctx.slice);
    const take = budget - candidates;
    const rows = await unengagedIn(ctx, flow, trigger, { after, upper, from, take });
    const received = await receivedEmails(db, shopId, rows.map((r) => r.id), from, now);
    for (const { id } of rows) {
      await offer(ctx, flow, id, (facts) => engagementTriggerEvent({ trigger, facts: withReceived(facts, received.get(id) ?? []), now }));
    }
    candidates += rows.length;
    if (rows.length === take) {
      cursors.set(flow.versionId, { kind: "engagement", day, after: rows[rows.length - 1].id, done: false });
      return { candidates, finished: false };
    }
    if (upper === null) {
      cursors.set(flow.versionId, { kind: "engagement", day, after, done: true });
      return { candidates, finished: true };
    }
    after = upper;
  }
  cursors.set(flow.versionId, { kind: "engagement", day, after, done: false });
  return { candidates, finished: false };
}

/** The id ending the next slice of the shop's profiles after `after`, or null when fewer remain (the last slice). */
async function sliceEnd(db: Db, shopId: string, after: string, size: number): Promise<string | null> {
  const rows = await db.$queryRaw<Array<{ id: string }>>(Prisma.sql`
    SELECT "id" FROM "Profile" WHERE "shopId" = ${shopId} AND "id" > ${after} ORDER BY "id" LIMIT 1 OFFSET ${size - 1}`);
  return rows[0]?.id ?? null;
}

/**
 * Profiles in (after, upper] with enough received emails in the window and none of `noneOf`: a grouped range scan
 * of the (shopId, profileId, sentAt) index, then anti-joins on indexed keys. Suppressed addresses are left out:
 * they get no email to ignore, and suppression is where the sunset would end.
 */
function unengagedIn(
  ctx: Context,
  flow: LiveFlow,
  trigger: EngagementTrigger,
  range: { after: string; upper: string | null; from: Date; take: number },
) {
  const { shopId, now } = ctx;
  const { after, upper, from } = range;
  return ctx.db.$queryRaw<Array<{ id: string }>>(Prisma.sql`
    SELECT p."id" FROM (
      SELECT m."profileId" FROM "Message" m
      WHERE m."shopId" = ${shopId} AND m."profileId" > ${after} ${upper === null ? Prisma.empty : Prisma.sql`AND m."profileId" <= ${upper}`}
        AND m."status" IN (${Prisma.join(RECEIVED_STATUSES)}) AND m."sentAt" >= ${from} AND m."sentAt" <= ${now}
      GROUP BY m."profileId"
      HAVING COUNT(*) >= ${trigger.receivedAtLeast}
    ) g
    JOIN "Profile" p ON p."id" = g."profileId"
    WHERE p."shopId" = ${shopId} AND p."mergedIntoId" IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM "Event" e
        WHERE e."shopId" = ${shopId} AND e."profileId" = p."id" AND e."name" IN (${Prisma.join(trigger.noneOf)})
          AND e."occurredAt" >= ${from} AND e."occurredAt" <= ${now} AND NOT (e."name" = 'Opened Email' AND ${machineFlag(ctx.db)}))
      AND NOT EXISTS (SELECT 1 FROM "Suppression" s WHERE s."shopId" = ${shopId} AND s."email" = p."email")
      ${reentryExclusion(flow, now)}
    ORDER BY p."id"
    LIMIT ${range.take}`);
}

/** True for an event flagged as a machine open (see HUMAN_OPEN): JSON access differs per database. */
function machineFlag(db: Db) {
  return providerOf(db) === "postgresql"
    ? Prisma.sql`COALESCE(e."properties"->>'machine', '') = 'true'`
    : Prisma.sql`COALESCE(json_extract(e."properties", '$.machine'), 0) = 1`;
}

/** Sent messages as "Received Email" facts: nothing stores such events (yet), the Message rows are the record. */
async function receivedEmails(db: Db, shopId: string, profileIds: string[], from: Date, now: Date): Promise<Map<string, FlowEvent[]>> {
  const byProfile = new Map<string, FlowEvent[]>();
  if (profileIds.length === 0) return byProfile;
  const messages = await db.message.findMany({
    where: { shopId, profileId: { in: profileIds }, status: { in: RECEIVED_STATUSES }, sentAt: { gte: from, lte: now } },
    select: { id: true, profileId: true, sentAt: true },
  });
  for (const m of messages) {
    const event: FlowEvent = { id: `message:${m.id}`, name: "Received Email", occurredAt: m.sentAt!, properties: { messageId: m.id } };
    byProfile.set(m.profileId, [...(byProfile.get(m.profileId) ?? []), event]);
  }
  return byProfile;
}

/** The facts plus the received messages not already present as stored "Received Email" events. */
function withReceived(facts: FlowFacts, received: FlowEvent[]): FlowFacts {
  const stored = new Set(facts.events.filter((e) => e.name === "Received Email").map((e) => e.properties.messageId));
  return { ...facts, events: [...facts.events, ...received.filter((e) => !stored.has(e.properties.messageId))] };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared

/**
 * Leaves out profiles the flow's re-entry rule refuses anyway (entry.ts reentryRefusal, on runs of any version),
 * so a profile already in the sunset is not looked at again every day. The real check stays in `enter`.
 */
function reentryExclusion(flow: LiveFlow, now: Date): Prisma.Sql {
  const runs = Prisma.sql`SELECT 1 FROM "FlowRun" r WHERE r."flowId" = ${flow.id} AND r."profileId" = p."id"`;
  const active = Prisma.sql`r."status" IN ('waiting', 'running')`;
  const reentry: FlowDefinition["reentry"] = flow.definition.reentry;
  switch (reentry.mode) {
    case "every_trigger":
      return Prisma.empty;
    case "never":
      return Prisma.sql`AND NOT EXISTS (${runs})`;
    case "after_exit":
      return Prisma.sql`AND NOT EXISTS (${runs} AND ${active})`;
    case "after_days": {
      const cutoff = new Date(now.getTime() - reentry.days * DAY_MS);
      return Prisma.sql`AND NOT EXISTS (${runs} AND (${active} OR r."enteredAt" > ${cutoff}))`;
    }
  }
}

/** Loads the candidate's facts, asks the pure trigger function for its event, and enters the flow with it. */
async function offer(ctx: Context, flow: LiveFlow, profileId: string, triggerEvent: (facts: FlowFacts) => FlowEvent | null) {
  const { db, shopId, now, settings, summary } = ctx;
  summary.candidates++;
  const facts = await loadFlowFacts(db, shopId, profileId, flow.definition, now);
  const event = facts ? triggerEvent(facts) : null;
  if (!event) {
    summary.notDue++;
    return;
  }
  const outcome = await enter(db, { shopId, profileId, flow, event, now, settings, timezone: settings.timezone });
  if (outcome === "started") summary.started++;
  else summary.refused[outcome] = (summary.refused[outcome] ?? 0) + 1;
}
