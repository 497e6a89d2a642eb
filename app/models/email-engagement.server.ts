// What happens to an email after it is sent: opens and clicks from our tracking links, unsubscribes and resubscribes
// from the preference page and one-click POSTs, and Resend's delivery webhooks. Each lands as an Event on the
// message's profile, a daily rollup on the message's dimensions and a column of the Message (or Profile), in one
// transaction and exactly once: every write is gated by a conditional update or by the message's row lock, so
// replays, double clicks and concurrent requests count once.
import { createHash } from "node:crypto";
import type { Db, Message, Prisma } from "../db/client.server";
import { machineOpenReason } from "../domain/email/machine-open";
import type { CanonicalEventName, EmailConsentState, JsonObject } from "../domain/events/types";
import { dayInTimezone } from "../domain/time";
import { updateLeadScore } from "./lead-score.server";
import { incrementRollup, messageRollupKey } from "./rollups.server";
import { enqueueShopifyTask } from "./shopify-tasks.server";

type Tx = Prisma.TransactionClient;

/** Soft bounces of one address within SOFT_BOUNCE_WINDOW_DAYS that suppress it. */
export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;
/** Statuses of a message that left us: the only ones a provider's event can be about. */
const SENT_STATUSES = ["sent", "delivered", "bounced", "complained"];

export type EngagementOutcome = "recorded" | "repeat" | "unknown_message";

// ---------------------------------------------------------------------------------------------------------------
// Shared writes

/**
 * The message of this shop, row-locked until the transaction ends: rewriting a column with its own value takes the
 * lock on PostgreSQL (SQLite has one writer anyway), so two requests about one message run one after the other.
 */
async function lockedMessage(tx: Tx, shopId: string, messageId: string): Promise<Message | null> {
  const { count } = await tx.message.updateMany({ where: { id: messageId, shopId }, data: { shopId } });
  return count === 0 ? null : tx.message.findUnique({ where: { id: messageId } });
}

async function timezoneOf(tx: Tx, shopId: string): Promise<string> {
  return (await tx.shop.findUnique({ where: { id: shopId }, select: { timezone: true } }))?.timezone ?? "UTC";
}

function countOnMessage(tx: Tx, message: Message, metric: string, at: Date, timezone: string) {
  return incrementRollup(tx, messageRollupKey(message, dayInTimezone(at, timezone), metric), 1n);
}

function messageProperties(message: Message): JsonObject {
  return {
    messageId: message.id,
    flowId: message.flowId,
    flowVersionId: message.flowVersionId,
    stepId: message.stepId,
    campaignId: message.campaignId,
    variant: message.variant,
    subject: message.subject,
  };
}

/** Stores the event unless its sourceId is already there; true when it was new. Callers hold the gate. */
/** An event about one of our emails on its recipient's profile, keyed `email:<message>:<what>` (a repeat is a no-op). */
function addMessageEvent(tx: Tx, message: Message, name: CanonicalEventName, at: Date, what: string, extra: JsonObject): Promise<boolean> {
  return addEvent(tx, {
    shopId: message.shopId,
    profileId: message.profileId,
    name,
    at,
    sourceId: `email:${message.id}:${what}`,
    properties: { ...messageProperties(message), ...extra },
  });
}

async function addEvent(
  tx: Tx,
  event: { shopId: string; profileId: string; name: CanonicalEventName; at: Date; sourceId: string; properties: JsonObject },
): Promise<boolean> {
  const where = { shopId_sourceId: { shopId: event.shopId, sourceId: event.sourceId } };
  if (await tx.event.findUnique({ where, select: { id: true } })) return false;
  const stored = await tx.event.create({
    select: { id: true },
    data: {
      shopId: event.shopId,
      profileId: event.profileId,
      name: event.name,
      occurredAt: event.at,
      properties: event.properties,
      source: "email",
      sourceId: event.sourceId,
    },
  });
  const scored = { id: stored.id, name: event.name, occurredAt: event.at, properties: event.properties };
  await updateLeadScore(tx, { shopId: event.shopId, profileId: event.profileId, events: [scored], profileChanged: false, now: event.at });
  return true;
}

async function suppress(tx: Tx, shopId: string, email: string, reason: "bounce" | "complaint", source: string) {
  const address = email.trim().toLowerCase();
  // The first reason stays: an address suppressed for a complaint is not relabelled by a later bounce.
  await tx.suppression.upsert({
    where: { shopId_email: { shopId, email: address } },
    create: { shopId, email: address, reason, source },
    update: {},
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Opens and clicks

export type OpenInput = { shopId: string; messageId: string; at: Date; userAgent: string | null };

/**
 * An open-pixel fetch. The first human open sets firstOpenedAt, writes "Opened Email" and counts "opened"; a machine
 * open (machine-open.ts) is kept once as its own event (machine: true) and counts "opened_machine". Repeats write nothing.
 */
export async function recordOpen(db: Db, input: OpenInput): Promise<{ outcome: EngagementOutcome; machine: boolean }> {
  return db.$transaction(async (tx) => {
    const message = await lockedMessage(tx, input.shopId, input.messageId);
    if (!message) return { outcome: "unknown_message" as const, machine: false };
    const reason = machineOpenReason({ userAgent: input.userAgent, openedAt: input.at, sentAt: message.sentAt });
    const timezone = await timezoneOf(tx, message.shopId);
    const recorded = reason
      ? await machineOpen(tx, message, input.at, timezone, reason)
      : await humanOpen(tx, message, input.at, timezone, {});
    return { outcome: recorded ? ("recorded" as const) : ("repeat" as const), machine: reason !== null };
  });
}

async function humanOpen(tx: Tx, message: Message, at: Date, timezone: string, extra: JsonObject): Promise<boolean> {
  if (message.firstOpenedAt) return false;
  await tx.message.update({ where: { id: message.id }, data: { firstOpenedAt: at } });
  await addMessageEvent(tx, message, "Opened Email", at, "opened", { machine: false, ...extra });
  await countOnMessage(tx, message, "opened", at, timezone);
  return true;
}

async function machineOpen(tx: Tx, message: Message, at: Date, timezone: string, reason: string): Promise<boolean> {
  const created = await addMessageEvent(tx, message, "Opened Email", at, "opened:machine", { machine: true, machineReason: reason });
  if (created) await countOnMessage(tx, message, "opened_machine", at, timezone);
  return created;
}

export type ClickInput = { shopId: string; messageId: string; url: string; at: Date };

/**
 * A tracked link followed. "Clicked Email" once per (message, url); the first click of the message sets
 * firstClickedAt and counts "clicked", and, when no person had opened it yet, also counts as its (human) open.
 */
export async function recordClick(db: Db, input: ClickInput): Promise<{ outcome: EngagementOutcome }> {
  return db.$transaction(async (tx) => {
    const message = await lockedMessage(tx, input.shopId, input.messageId);
    if (!message) return { outcome: "unknown_message" as const };
    // Destinations can be long; the key only has to tell them apart.
    const urlKey = createHash("sha256").update(input.url).digest("hex").slice(0, 32);
    const created = await addMessageEvent(tx, message, "Clicked Email", input.at, `clicked:${urlKey}`, { url: input.url });
    if (!created) return { outcome: "repeat" as const };
    const timezone = await timezoneOf(tx, message.shopId);
    if (!message.firstClickedAt) {
      await tx.message.update({ where: { id: message.id }, data: { firstClickedAt: input.at } });
      await countOnMessage(tx, message, "clicked", input.at, timezone);
    }
    await humanOpen(tx, message, input.at, timezone, { viaClick: true });
    return { outcome: "recorded" as const };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Consent

export type ConsentSource = "one_click_unsubscribe" | "preference_page" | "spam_complaint";
export type ConsentChangeInput = { shopId: string; profileId: string; messageId: string | null; now: Date };
export type ConsentOutcome = { outcome: "changed" | "unchanged" | "unknown_profile"; state: EmailConsentState | null };

/** The profile a token names, following a merge to the profile that absorbed it. */
async function currentProfile(tx: Tx | Db, shopId: string, profileId: string) {
  const named = await tx.profile.findFirst({ where: { id: profileId, shopId }, select: { id: true, mergedIntoId: true } });
  if (!named) return null;
  return tx.profile.findFirst({
    where: { id: named.mergedIntoId ?? named.id, shopId },
    select: { id: true, email: true, shopifyCustomerId: true, emailConsent: true },
  });
}

type ConsentChange = {
  shopId: string;
  profileId: string;
  state: "subscribed" | "unsubscribed";
  source: ConsentSource;
  at: Date;
  /** The email the change came from, when known: its dimensions get the "unsubscribed" count. */
  message: Message | null;
  countUnsubscribe: boolean;
};

/**
 * Sets the profile's consent unless it already is `state` (the conditional update is the gate: a repeat, or the
 * loser of a race, changes nothing), writes the Subscribed/Unsubscribed event and queues the Shopify update.
 */
async function changeConsent(tx: Tx, change: ConsentChange): Promise<boolean> {
  const before = await tx.profile.findUnique({ where: { id: change.profileId }, select: { emailConsent: true, email: true, shopifyCustomerId: true } });
  if (!before) return false;
  const { count } = await tx.profile.updateMany({
    where: { id: change.profileId, shopId: change.shopId, emailConsent: { not: change.state } },
    data: { emailConsent: change.state, emailConsentAt: change.at, emailConsentSource: change.source },
  });
  if (count === 0) return false;
  const key = `email-consent:${change.profileId}:${change.state}:${change.at.toISOString()}`;
  const subscribed = change.state === "subscribed";
  await addEvent(tx, {
    shopId: change.shopId,
    profileId: change.profileId,
    name: subscribed ? "Subscribed to Email" : "Unsubscribed from Email",
    at: change.at,
    sourceId: key,
    properties: {
      state: change.state,
      source: change.source,
      previousState: before.emailConsent,
      messageId: change.message?.id ?? null,
      // Coming back through the preference page is not a new signup: the Welcome flow can filter on this.
      ...(subscribed ? { resubscribed: true } : {}),
    },
  });
  if (change.message && !subscribed && change.countUnsubscribe) {
    await countOnMessage(tx, change.message, "unsubscribed", change.at, await timezoneOf(tx, change.shopId));
  }
  await enqueueShopifyTask(tx, {
    shopId: change.shopId,
    kind: "consent_update",
    key,
    payload: {
      profileId: change.profileId,
      shopifyCustomerId: before.shopifyCustomerId,
      email: before.email,
      state: change.state,
      at: change.at.toISOString(),
    },
  });
  return true;
}

async function consentFromLink(db: Db, input: ConsentChangeInput, state: "subscribed" | "unsubscribed", source: ConsentSource): Promise<ConsentOutcome> {
  return db.$transaction(async (tx) => {
    const profile = await currentProfile(tx, input.shopId, input.profileId);
    if (!profile) return { outcome: "unknown_profile" as const, state: null };
    // A message of another profile (or shop) is not this unsubscribe's message: the change counts on no email.
    const message = input.messageId ? await tx.message.findFirst({ where: { id: input.messageId, shopId: input.shopId } }) : null;
    const own = message && message.profileId === profile.id ? message : null;
    const changed = await changeConsent(tx, { shopId: input.shopId, profileId: profile.id, state, source, at: input.now, message: own, countUnsubscribe: true });
    return { outcome: changed ? ("changed" as const) : ("unchanged" as const), state };
  });
}

/**
 * Unsubscribes the profile (one-click POST or the preference page): consent, "Unsubscribed from Email", the
 * "unsubscribed" count on the message and the Shopify consent update, in one transaction. Already unsubscribed: nothing.
 */
export function unsubscribeProfile(db: Db, input: ConsentChangeInput & { source: "one_click_unsubscribe" | "preference_page" }) {
  return consentFromLink(db, input, "unsubscribed", input.source);
}

/** Subscribes the profile again from the preference page ("Subscribed to Email" with resubscribed: true); idempotent. */
export function resubscribeProfile(db: Db, input: ConsentChangeInput) {
  return consentFromLink(db, input, "subscribed", "preference_page");
}

export type PreferencePageData = { shopName: string; email: string | null; consent: string; profileId: string };

/** What the preference page shows for a token's profile; null when the shop or profile is gone. */
export async function loadPreferences(db: Db, shopId: string, profileId: string): Promise<PreferencePageData | null> {
  const [shop, profile] = await Promise.all([
    db.shop.findUnique({ where: { id: shopId }, select: { name: true } }),
    currentProfile(db, shopId, profileId),
  ]);
  if (!shop || !profile) return null;
  return { shopName: shop.name, email: profile.email, consent: profile.emailConsent, profileId: profile.id };
}

// ---------------------------------------------------------------------------------------------------------------
// Resend delivery webhooks

export type BounceType = "hard" | "soft";
export type ResendDeliveryEvent =
  | { kind: "delivered"; emailId: string; at: Date }
  | { kind: "bounced"; emailId: string; at: Date; bounce: { type: BounceType; subType: string | null; message: string | null } }
  | { kind: "complained"; emailId: string; at: Date }
  | { kind: "ignored"; type: string };

export type DeliveryOutcome = "applied" | "repeat" | "unknown_message" | "ignored";

/**
 * Applies one Resend delivery event to the message whose providerMessageId is its email_id (and so to that
 * message's shop only). Statuses only move forward: sent -> delivered, sent/delivered -> bounced or complained;
 * a replay, or a late "delivered" after a bounce or complaint, changes nothing.
 */
export async function applyResendDeliveryEvent(db: Db, event: ResendDeliveryEvent): Promise<{ outcome: DeliveryOutcome }> {
  if (event.kind === "ignored") return { outcome: "ignored" };
  return db.$transaction(async (tx) => {
    const matches = await tx.message.findMany({
      where: { providerMessageId: event.emailId, status: { in: SENT_STATUSES } },
      select: { id: true, shopId: true },
      take: 2,
    });
    // Resend's ids are unique; two rows with one id would be a bug elsewhere, and guessing is worse than skipping.
    if (matches.length !== 1) return { outcome: "unknown_message" as const };
    const message = await lockedMessage(tx, matches[0].shopId, matches[0].id);
    if (!message) return { outcome: "unknown_message" as const };
    const timezone = await timezoneOf(tx, message.shopId);
    const applied =
      event.kind === "delivered"
        ? await delivered(tx, message, event.at, timezone)
        : event.kind === "bounced"
          ? await bounced(tx, message, event.at, timezone, event.bounce)
          : await complained(tx, message, event.at, timezone);
    return { outcome: applied ? ("applied" as const) : ("repeat" as const) };
  });
}

async function delivered(tx: Tx, message: Message, at: Date, timezone: string): Promise<boolean> {
  const { count } = await tx.message.updateMany({ where: { id: message.id, status: "sent" }, data: { status: "delivered", deliveredAt: at } });
  if (count === 0) return false;
  await countOnMessage(tx, message, "delivered", at, timezone);
  return true;
}

async function bounced(
  tx: Tx,
  message: Message,
  at: Date,
  timezone: string,
  bounce: Extract<ResendDeliveryEvent, { kind: "bounced" }>["bounce"],
): Promise<boolean> {
  const { count } = await tx.message.updateMany({
    where: { id: message.id, status: { in: ["sent", "delivered"] } },
    data: { status: "bounced", bounceType: bounce.type },
  });
  if (count === 0) return false;
  await addMessageEvent(tx, message, "Bounced Email", at, "bounced", { bounceType: bounce.type, bounceSubType: bounce.subType, reason: bounce.message });
  await countOnMessage(tx, message, "bounced", at, timezone);
  if (bounce.type === "hard") {
    await suppress(tx, message.shopId, message.toEmail, "bounce", "resend:hard_bounce");
    return true;
  }
  // This message is already counted among them (updated above, in this transaction).
  const recentSoft = await tx.message.count({
    where: {
      shopId: message.shopId,
      toEmail: message.toEmail,
      status: "bounced",
      bounceType: "soft",
      sentAt: { gte: new Date(at.getTime() - SOFT_BOUNCE_WINDOW_DAYS * DAY_MS) },
    },
  });
  if (recentSoft >= SOFT_BOUNCE_LIMIT) await suppress(tx, message.shopId, message.toEmail, "bounce", "resend:soft_bounces");
  return true;
}

async function complained(tx: Tx, message: Message, at: Date, timezone: string): Promise<boolean> {
  const { count } = await tx.message.updateMany({ where: { id: message.id, status: { in: ["sent", "delivered"] } }, data: { status: "complained" } });
  if (count === 0) return false;
  await addMessageEvent(tx, message, "Marked Email as Spam", at, "complained", {});
  await countOnMessage(tx, message, "complained", at, timezone);
  await suppress(tx, message.shopId, message.toEmail, "complaint", "resend:complaint");
  // A complaint is the strongest unsubscribe there is; it is counted as "complained", not again as "unsubscribed".
  await changeConsent(tx, {
    shopId: message.shopId,
    profileId: message.profileId,
    state: "unsubscribed",
    source: "spam_complaint",
    at,
    message,
    countUnsubscribe: false,
  });
  return true;
}
