// Loads what the pure flow engine needs about one profile (FlowFacts) and a shop's settings (FlowSettings).
import type { DbOrTx, Profile } from "../db/client.server";
import type { EmailConsentState, JsonObject } from "../domain/events/types";
import type { FlowDefinition } from "../domain/flows/definition";
import { factsNeeded, type FlowEvent, type FlowFacts, type FlowProfile } from "../domain/flows/facts";
import { DEFAULT_FLOW_SETTINGS, type FlowSettings } from "../domain/flows/run";

const DAY_MS = 86_400_000;
const CONSENT_STATES: readonly EmailConsentState[] = ["subscribed", "unsubscribed", "pending", "unknown"];
/** Messages that went (or are about to go) out count for smart sending; failed ones never left. */
export const COUNTED_STATUSES = ["queued", "sent", "delivered", "bounced", "complained"];

export type LoadFactsOptions = {
  /** The run's start (trigger occurredAt): events from min(since, now - lookback) are loaded. Default: now. */
  since?: Date;
};

export function asObject(json: unknown): JsonObject {
  return json !== null && typeof json === "object" && !Array.isArray(json) ? (json as JsonObject) : {};
}

/**
 * The profile as of `now`: its properties (consent, suppression of its address, computed order numbers), the
 * events the definition's conditions read (factsNeeded; occurredAt <= now, so late arrivals are simply present),
 * and the last marketing email sent (or queued) to it. Null when the profile does not exist (erased).
 */
export async function loadFlowFacts(
  db: DbOrTx,
  shopId: string,
  profileId: string,
  definition: FlowDefinition,
  now: Date,
  options: LoadFactsOptions = {},
): Promise<FlowFacts | null> {
  const profile = await db.profile.findFirst({ where: { id: profileId, shopId } });
  if (!profile) return null;
  const needed = factsNeeded(definition);
  const since = options.since ?? now;

  const [suppression, events, lastMessage] = await Promise.all([
    profile.email
      ? db.suppression.findUnique({ where: { shopId_email: { shopId, email: profile.email.toLowerCase() } }, select: { id: true } })
      : null,
    needed.eventNames.length === 0
      ? []
      : db.event.findMany({
          where: {
            shopId,
            profileId,
            name: { in: needed.eventNames },
            occurredAt: {
              lte: now,
              ...(needed.lookbackDays === null
                ? {}
                : { gte: new Date(Math.min(since.getTime(), now.getTime() - needed.lookbackDays * DAY_MS)) }),
            },
          },
          orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
          select: { id: true, name: true, occurredAt: true, properties: true },
        }),
    lastMarketingEmail(db, shopId, profileId, now),
  ]);

  return {
    profile: flowProfileOf(profile, suppression !== null),
    events: events.map((e): FlowEvent => ({ id: e.id, name: e.name, occurredAt: e.occurredAt, properties: asObject(e.properties) })),
    lastMarketingEmailAt: lastMessage,
  };
}

/** A stored profile as conditions see it (also what lead scoring's property rules match against). */
export function flowProfileOf(profile: Profile, suppressed: boolean): FlowProfile {
  const consent = CONSENT_STATES.includes(profile.emailConsent as EmailConsentState)
    ? (profile.emailConsent as EmailConsentState)
    : "unknown";
  return {
    id: profile.id,
    email: profile.email,
    emailConsent: consent,
    suppressed,
    ordersCount: profile.ordersCount,
    averageDaysBetweenOrders: profile.averageDaysBetweenOrders,
    expectedNextOrderAt: profile.expectedNextOrderAt,
    firstOrderAt: profile.firstOrderAt,
    lastOrderAt: profile.lastOrderAt,
    properties: asObject(profile.properties),
  };
}

/** When the profile was last emailed: the latest sentAt, or for a message still queued, min(queuedAt, now). */
export async function lastMarketingEmail(db: DbOrTx, shopId: string, profileId: string, now: Date): Promise<Date | null> {
  const [sent, queued] = await Promise.all([
    db.message.findFirst({
      where: { shopId, profileId, status: { in: COUNTED_STATUSES }, sentAt: { not: null, lte: now } },
      orderBy: { sentAt: "desc" },
      select: { sentAt: true },
    }),
    db.message.findFirst({
      where: { shopId, profileId, status: "queued", sentAt: null },
      orderBy: { queuedAt: "asc" },
      select: { queuedAt: true },
    }),
  ]);
  const times = [sent?.sentAt ?? null, queued ? new Date(Math.min(queued.queuedAt.getTime(), now.getTime())) : null];
  const known = times.filter((t): t is Date => t !== null);
  return known.length === 0 ? null : new Date(Math.max(...known.map((t) => t.getTime())));
}

/** The shop's flow settings: its timezone and ShopSettings, with the documented defaults when absent. */
export async function loadFlowSettings(db: DbOrTx, shopId: string): Promise<FlowSettings> {
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { timezone: true, settings: true } });
  const s = shop?.settings;
  return {
    timezone: shop?.timezone || DEFAULT_FLOW_SETTINGS.timezone,
    smartSendingHours: s?.smartSendingHours ?? DEFAULT_FLOW_SETTINGS.smartSendingHours,
    quietHoursStartMin: s?.quietHoursStartMin ?? DEFAULT_FLOW_SETTINGS.quietHoursStartMin,
    quietHoursEndMin: s?.quietHoursEndMin ?? DEFAULT_FLOW_SETTINGS.quietHoursEndMin,
    holdoutPercent: s?.holdoutPercent ?? DEFAULT_FLOW_SETTINGS.holdoutPercent,
  };
}
