import type { Db } from "../db/client.server";
import { findOrderAttributions } from "./attribution.server";

export const PROFILE_PAGE_SIZE = 50;
export const MAX_SEARCH_LENGTH = 100;

/** Normalises a customer search box value: trimmed, bounded, "" for nothing. */
export function normaliseProfileSearch(raw: string | null): string {
  return (raw ?? "").replace(/[\u0000-\u001f]/g, "").trim().slice(0, MAX_SEARCH_LENGTH);
}

/** One shop's profiles matching an email or name fragment, most recently active first. */
export async function searchProfiles(db: Db, shopId: string, query: string, take = PROFILE_PAGE_SIZE) {
  const q = normaliseProfileSearch(query);
  // Emails are stored lower-cased; names are matched in the casing typed and in title case,
  // which covers merchants' searches on both databases without provider-specific collations.
  const titled = q.charAt(0).toUpperCase() + q.slice(1).toLowerCase();
  const where = q
    ? {
        shopId,
        mergedIntoId: null,
        OR: [
          { email: { contains: q.toLowerCase() } },
          { firstName: { contains: q } },
          { lastName: { contains: q } },
          { firstName: { contains: titled } },
          { lastName: { contains: titled } },
        ],
      }
    : { shopId, mergedIntoId: null };
  const [profiles, total] = await Promise.all([
    db.profile.findMany({
      where,
      orderBy: [{ lastActiveAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      take,
      select: {
        id: true,
        email: true,
        firstName: true,
        lastName: true,
        emailConsent: true,
        ordersCount: true,
        revenueMinor: true,
        currency: true,
        lastOrderAt: true,
      },
    }),
    db.profile.count({ where }),
  ]);
  return { profiles, total, query: q };
}

export const TIMELINE_PAGE_SIZE = 50;

export type TimelineEntry =
  | { kind: "event"; id: string; at: Date; name: string; orderId: string | null; valueMinor: bigint | null; currency: string | null }
  | { kind: "message"; id: string; at: Date; subject: string; status: string; flowName: string | null; opened: boolean; clicked: boolean };

/**
 * One profile of the shop with its newest events and emails, merged into one timeline (newest first, at most
 * TIMELINE_PAGE_SIZE), and the attribution of each order on it. A profile merged into another answers with the
 * survivor's id; another shop's profile is not found.
 */
export async function loadProfilePage(db: Db, shopId: string, profileId: string) {
  const profile = await db.profile.findFirst({ where: { id: profileId, shopId } });
  if (!profile) return { found: false as const };
  if (profile.mergedIntoId) return { found: false as const, mergedInto: profile.mergedIntoId };
  const [events, messages] = await Promise.all([
    db.event.findMany({
      where: { shopId, profileId },
      orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
      take: TIMELINE_PAGE_SIZE,
      select: { id: true, name: true, occurredAt: true, properties: true, valueMinor: true, currency: true },
    }),
    db.message.findMany({
      where: { shopId, profileId },
      orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
      take: TIMELINE_PAGE_SIZE,
      select: { id: true, subject: true, status: true, queuedAt: true, sentAt: true, flowId: true, firstOpenedAt: true, firstClickedAt: true },
    }),
  ]);
  const flowIds = [...new Set(messages.map((m) => m.flowId).filter((id): id is string => id !== null))];
  const flows = flowIds.length ? await db.flow.findMany({ where: { shopId, id: { in: flowIds } }, select: { id: true, name: true } }) : [];
  const flowName = new Map(flows.map((f) => [f.id, f.name]));
  const timeline: TimelineEntry[] = [
    ...events.map((e): TimelineEntry => {
      const orderId = (e.properties as { orderId?: unknown } | null)?.orderId;
      return { kind: "event", id: e.id, at: e.occurredAt, name: e.name, orderId: typeof orderId === "string" ? orderId : null, valueMinor: e.valueMinor, currency: e.currency };
    }),
    ...messages.map((m): TimelineEntry => ({
      kind: "message",
      id: m.id,
      at: m.sentAt ?? m.queuedAt,
      subject: m.subject,
      status: m.status,
      flowName: m.flowId ? (flowName.get(m.flowId) ?? null) : null,
      opened: m.firstOpenedAt !== null,
      clicked: m.firstClickedAt !== null,
    })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, TIMELINE_PAGE_SIZE);
  const orderIds = [...new Set(timeline.flatMap((t) => (t.kind === "event" && t.name === "Placed Order" && t.orderId ? [t.orderId] : [])))];
  return { found: true as const, profile, timeline, attributions: await findOrderAttributions(db, shopId, orderIds) };
}
