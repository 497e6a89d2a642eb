// Lead scores kept incrementally (docs/decisions/009-lead-scoring.md): every scored event and property change
// updates the profile's score inside the transaction that stored the event, writes one history row keyed by what
// caused it (a replay finds its row and changes nothing), and a crossing of the threshold stores the canonical
// "Became Sales-Ready" event (a flow trigger) and queues the shop's hand-off: a tag in Shopify, a CRM webhook.
import { randomUUID } from "node:crypto";
import { Prisma, type Db, type DbOrTx, type Profile } from "../db/client.server";
import type { JsonObject } from "../domain/events/types";
import { profileView } from "../domain/flows/facts";
import { SALES_READY_EVENT, storedScoringConfig, type ScoringConfig } from "../domain/scoring/rules";
import {
  applyEvent,
  applyProfile,
  displayScore,
  EMPTY_SCORE,
  mergeStates,
  scoreAt,
  type ScoredEvent,
  type ScoreState,
  type ScoreUpdate,
} from "../domain/scoring/score";
import { describeEffects } from "../domain/scoring/describe";
import type { ScoringUpdate } from "../domain/scoring/form";
import { flowProfileOf } from "./flow-facts.server";
import { processCache } from "./process-cache";
import { enqueueShopifyTask } from "./shopify-tasks.server";

/** Called inside the transaction that changed the profile; a bare client works too (each write then stands alone). */
type Tx = DbOrTx;

/** The shop's scoring rules and hand-off, as stored (defaults when the shop never saved them). */
export type ShopScoring = { config: ScoringConfig; salesReadyTag: string | null; crmWebhookUrl: string | null };

export async function loadShopScoring(db: DbOrTx, shopId: string): Promise<ShopScoring> {
  const s = await db.shopSettings.findUnique({ where: { shopId }, select: { leadScoring: true, salesReadyTag: true, crmWebhookUrl: true } });
  return { config: storedScoringConfig(s?.leadScoring ?? null), salesReadyTag: s?.salesReadyTag ?? null, crmWebhookUrl: s?.crmWebhookUrl ?? null };
}

// Scoring runs for every stored event and the rules change rarely: a few seconds of caching saves a query per event.
const scoringCache = processCache<ShopScoring>(5_000);

/** Stores one section of the Lead scoring page for this shop only; false when the shop does not exist. */
export async function saveShopScoring(db: Db, shopId: string, update: ScoringUpdate): Promise<boolean> {
  const saved = await db.$transaction(async (tx) => {
    if (!(await tx.shop.findUnique({ where: { id: shopId }, select: { id: true } }))) return false;
    const data =
      update.section === "rules" ? { leadScoring: update.config as unknown as Prisma.InputJsonValue } : update.values;
    await tx.shopSettings.upsert({ where: { shopId }, create: { shopId, ...data }, update: data });
    return true;
  });
  scoringCache.forget(shopId);
  return saved;
}

/** The stored state (per-rule points as of leadScoreAt); anything unreadable counts as no score yet. */
export function storedScoreState(profile: Pick<Profile, "leadScoreAt" | "leadScoreState">): ScoreState {
  const json = profile.leadScoreState;
  if (!profile.leadScoreAt || json === null || typeof json !== "object" || Array.isArray(json)) return EMPTY_SCORE;
  const numbers = (value: unknown): Record<string, number> =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1])))
      : {};
  const state = json as { events?: unknown; properties?: unknown };
  return { asOf: profile.leadScoreAt, events: numbers(state.events), properties: numbers(state.properties) };
}

function stateColumns(state: ScoreState, score: number) {
  return {
    leadScore: Math.round(score),
    leadScoreAt: state.asOf,
    leadScoreState: { events: state.events, properties: state.properties } as Prisma.InputJsonValue,
  };
}

export type ScoreInput = {
  shopId: string;
  profileId: string;
  /** Events just stored for this profile (their row ids key the history). */
  events: readonly ScoredEvent[];
  /** The profile's own fields may have changed: property rules are matched again. */
  profileChanged: boolean;
  now: Date;
  /** Pass when the caller already loaded it (a batch); read from ShopSettings otherwise. */
  scoring?: ShopScoring;
};

export type ScoreOutcome = { score: number; changes: number; crossings: number };

/**
 * Updates one profile's score inside the caller's transaction. Events whose history row exists already (a replay)
 * are skipped; each event or property change that moves the score writes one LeadScoreChange.
 */
export async function updateLeadScore(tx: Tx, input: ScoreInput): Promise<ScoreOutcome | null> {
  const scoring = input.scoring ?? (await scoringCache.get(input.shopId, () => loadShopScoring(tx, input.shopId)));
  const { config } = scoring;
  // Most events match no rule (orders, consent, updates by default) and most shops have no property rules: those
  // cost no lock and no read.
  const scorable = input.events.filter((e) => config.eventRules.some((r) => r.event === e.name));
  const matchProperties = input.profileChanged && config.propertyRules.length > 0;
  if (!config.enabled || (scorable.length === 0 && !matchProperties)) return null;
  // Writing the row first takes its lock: two transactions scoring one profile run one after the other.
  const locked = await tx.profile.updateMany({ where: { id: input.profileId, shopId: input.shopId, mergedIntoId: null }, data: { shopId: input.shopId } });
  if (locked.count === 0) return null;
  const profile = await tx.profile.findUniqueOrThrow({ where: { id: input.profileId } });

  const keys = scorable.map((e) => eventKey(e.id));
  const done = new Set(
    keys.length === 0
      ? []
      : (await tx.leadScoreChange.findMany({ where: { shopId: input.shopId, key: { in: keys } }, select: { key: true } })).map((r) => r.key),
  );
  let state = storedScoreState(profile);
  const initial = state;
  const outcome: ScoreOutcome = { score: scoreAt(state, input.now, config), changes: 0, crossings: 0 };
  const record = async (key: string, eventId: string | null, update: ScoreUpdate) => {
    state = update.state;
    outcome.score = update.after;
    // A rule that matched writes its row even when its cap left nothing to add: the event is then scored, for good.
    if (update.effects.length === 0 && update.after === update.before) return;
    await tx.leadScoreChange.create({
      data: {
        shopId: input.shopId,
        profileId: input.profileId,
        key,
        eventId,
        at: update.at,
        reason: describeEffects(update.effects, config),
        // Four decimals: enough to add up, without the float noise of subtracting two sums.
        points: round4(update.after - update.before),
        score: round4(update.after),
        crossed: update.crossed,
      },
    });
    outcome.changes++;
    if (update.crossed) {
      outcome.crossings++;
      await becameSalesReady(tx, { shopId: input.shopId, profileId: input.profileId, key, update, scoring });
    }
  };

  for (const event of scorable) {
    const key = eventKey(event.id);
    if (done.has(key)) continue;
    done.add(key);
    await record(key, event.id, applyEvent(state, event, config, input.now));
  }
  if (matchProperties) {
    const view = profileView(flowProfileOf(profile, await isSuppressed(tx, input.shopId, profile.email)));
    await record(`property:${randomUUID()}`, null, applyProfile(state, view, config, input.now));
  }
  if (state !== initial) await tx.profile.update({ where: { id: input.profileId }, data: stateColumns(state, outcome.score) });
  return outcome;
}

const eventKey = (eventId: string) => `event:${eventId}`;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

async function isSuppressed(tx: Tx, shopId: string, email: string | null): Promise<boolean> {
  if (!email) return false;
  return (await tx.suppression.findUnique({ where: { shopId_email: { shopId, email: email.toLowerCase() } }, select: { id: true } })) !== null;
}

/**
 * A crossing: the canonical event (sourceId from the history key, so one crossing stores one event) and the shop's
 * hand-off, queued in this transaction and performed by the Shopify task worker (retried there, once per key; the key
 * names the profile so that customers/redact finds and drops it).
 */
async function becameSalesReady(tx: Tx, input: { shopId: string; profileId: string; key: string; update: ScoreUpdate; scoring: ShopScoring }) {
  const { shopId, profileId, key, update, scoring } = input;
  const sourceId = `lead-score:${key}`;
  const existing = await tx.event.findUnique({ where: { shopId_sourceId: { shopId, sourceId } }, select: { id: true } });
  if (existing) return;
  const properties: JsonObject = { score: displayScore(update.after), threshold: scoring.config.threshold, cause: key };
  const event = await tx.event.create({
    data: { shopId, profileId, name: SALES_READY_EVENT, occurredAt: update.at, properties, source: "lead_score", sourceId },
    select: { id: true },
  });
  const facts = { profileId, eventId: event.id, occurredAt: update.at.toISOString(), score: displayScore(update.after), threshold: scoring.config.threshold };
  if (scoring.salesReadyTag) {
    await enqueueShopifyTask(tx, { shopId, kind: "customer_tag", key: `sales-ready-tag:${profileId}:${event.id}`, payload: { profileId, add: [scoring.salesReadyTag] } });
  }
  if (scoring.crmWebhookUrl) {
    await enqueueShopifyTask(tx, { shopId, kind: "crm_webhook", key: `sales-ready-webhook:${profileId}:${event.id}`, payload: { ...facts, url: scoring.crmWebhookUrl } });
  }
}

/**
 * Profiles merged into `survivorId`: their decaying points add up on the survivor (mergeStates), their history
 * moves with them, and the survivor's property rules are matched again on its next change.
 */
export async function mergeLeadScores(tx: Tx, shopId: string, survivorId: string, otherIds: readonly string[]) {
  const rows = await tx.profile.findMany({ where: { shopId, id: { in: [survivorId, ...otherIds] } }, select: { id: true, leadScoreAt: true, leadScoreState: true } });
  await tx.leadScoreChange.updateMany({ where: { shopId, profileId: { in: [...otherIds] } }, data: { profileId: survivorId } });
  const states = rows.map(storedScoreState);
  if (states.every((s) => s.asOf === null)) return;
  const { config } = await loadShopScoring(tx, shopId);
  const survivor = states[rows.findIndex((r) => r.id === survivorId)] ?? EMPTY_SCORE;
  // The survivor's property points stay until its profile is matched again; the others' go with their rows.
  const merged = { ...mergeStates(states, config), properties: survivor.properties };
  const at = merged.asOf!;
  const [before, after] = [scoreAt(survivor, at, config), scoreAt(merged, at, config)];
  await tx.profile.update({ where: { id: survivorId }, data: stateColumns(merged, after) });
  // A row of its own, so that the history's running score still adds up after the other profile's rows moved in.
  if (after !== before) {
    await tx.leadScoreChange.create({
      data: {
        shopId, profileId: survivorId, key: `merge:${randomUUID()}`, eventId: null, at,
        reason: "Joined with another profile of the same person", points: round4(after - before), score: round4(after),
      },
    });
  }
  await tx.profile.updateMany({ where: { shopId, id: { in: [...otherIds] } }, data: { leadScore: 0, leadScoreAt: null, leadScoreState: Prisma.DbNull } });
}

export type ScoreHistoryRow = { at: Date; reason: string; points: number; score: number; crossed: boolean };

/** The profile's score now (decayed to `now`) and its newest changes, for the customer's page. */
export async function leadScoreSummary(db: DbOrTx, shopId: string, profileId: string, now: Date, take = 10) {
  const profile = await db.profile.findFirst({ where: { id: profileId, shopId }, select: { leadScoreAt: true, leadScoreState: true } });
  if (!profile) return null;
  const { config } = await loadShopScoring(db, shopId);
  const history = await db.leadScoreChange.findMany({
    where: { shopId, profileId },
    orderBy: [{ at: "desc" }, { createdAt: "desc" }, { id: "desc" }],
    take,
    select: { at: true, reason: true, points: true, score: true, crossed: true },
  });
  const state = storedScoreState(profile);
  return {
    scored: state.asOf !== null,
    score: displayScore(scoreAt(state, now, config)),
    threshold: config.threshold,
    enabled: config.enabled,
    history: history satisfies ScoreHistoryRow[],
  };
}
