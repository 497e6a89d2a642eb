import type { Db, Prisma } from "../../db/client.server";
import type { Tx } from "../identity.server";
import type { CustomerRef, Subject } from "./subject.server";

export type DataRequestInput = { requestId: string; customer: CustomerRef; ordersRequested: string[] };

type JsonOut = Prisma.InputJsonValue | null;

/** Dates as ISO text, BigInt money as exact decimal strings: the export must survive JSON unchanged. */
function plain(value: unknown): JsonOut {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") {
    const out: Record<string, JsonOut> = {};
    for (const [key, v] of Object.entries(value)) out[key] = plain(v);
    return out;
  }
  return value as string | number | boolean;
}

/** Everything the shop holds about the subject, as one JSON document for the merchant to hand over. */
export async function assembleCustomerExport(tx: Tx, shopId: string, subject: Subject, input: DataRequestInput, now: Date) {
  const mine = { shopId, profileId: { in: subject.profileIds } };
  const profiles = await tx.profile.findMany({
    where: { shopId, id: { in: subject.profileIds } },
    omit: { shopId: true },
    orderBy: { createdAt: "asc" },
  });
  const identities = await tx.profileIdentity.findMany({
    where: mine,
    select: { profileId: true, kind: true, value: true, createdAt: true },
    orderBy: { createdAt: "asc" },
  });
  const events = await tx.event.findMany({
    where: mine,
    select: { profileId: true, name: true, occurredAt: true, properties: true, valueMinor: true, currency: true, source: true },
    orderBy: { occurredAt: "asc" },
  });
  const messages = await tx.message.findMany({
    where: mine,
    select: {
      profileId: true, toEmail: true, subject: true, status: true, queuedAt: true, sentAt: true, deliveredAt: true,
      firstOpenedAt: true, firstClickedAt: true, flowId: true, campaignId: true,
    },
    orderBy: { queuedAt: "asc" },
  });
  const flowRuns = await tx.flowRun.findMany({
    where: mine,
    select: { profileId: true, flowId: true, status: true, enteredAt: true, completedAt: true, exitReason: true },
    orderBy: { enteredAt: "asc" },
  });
  const orderedOrMine = [{ profileId: { in: subject.profileIds } }, ...(input.ordersRequested.length ? [{ orderId: { in: input.ordersRequested } }] : [])];
  const orders = await tx.orderState.findMany({
    where: { shopId, OR: orderedOrMine },
    select: {
      orderId: true, placedAt: true, currency: true, totalMinor: true, refundedMinor: true, cancelled: true, test: true,
    },
    orderBy: { placedAt: "asc" },
  });
  const attributions = await tx.attribution.findMany({
    where: mine,
    select: { orderId: true, messageId: true, flowId: true, touch: true, touchedAt: true, revenueMinor: true, currency: true },
  });
  const leadScoreChanges = await tx.leadScoreChange.findMany({
    where: mine,
    select: { profileId: true, at: true, reason: true, points: true, score: true, crossed: true },
    orderBy: { at: "asc" },
  });
  const segmentMemberships = await tx.segmentMembership.findMany({
    where: mine,
    select: { profileId: true, enteredAt: true, leftAt: true, segment: { select: { name: true } } },
    orderBy: { enteredAt: "asc" },
  });
  const suppressions = await tx.suppression.findMany({
    where: { shopId, email: { in: subject.emails } },
    select: { email: true, reason: true, source: true, createdAt: true },
  });
  return plain({
    requestId: input.requestId,
    requestedFor: {
      shopifyCustomerId: input.customer.customerId ?? null,
      email: input.customer.email ?? null,
      phone: input.customer.phone ?? null,
    },
    ordersRequested: input.ordersRequested,
    generatedAt: now,
    profiles,
    identities,
    events,
    messages,
    flowRuns,
    orders,
    attributions,
    leadScoreChanges,
    segmentMemberships,
    suppressions,
  }) as Prisma.InputJsonObject;
}

/** Stores the export once per Shopify data request: a redelivery (or a second delivery of it) keeps the first. */
export async function recordDataRequest(tx: Tx, shopId: string, subject: Subject, input: DataRequestInput, now: Date) {
  const key = { shopId_requestId: { shopId, requestId: input.requestId } };
  const existing = await tx.dataRequest.findUnique({ where: key, select: { id: true } });
  if (existing) return { id: existing.id, created: false };
  const row = await tx.dataRequest.create({
    data: {
      shopId,
      requestId: input.requestId,
      shopifyCustomerId: input.customer.customerId ?? null,
      email: subject.emails[0] ?? null,
      export: await assembleCustomerExport(tx, shopId, subject, input, now),
      createdAt: now,
    },
    select: { id: true },
  });
  return { id: row.id, created: true };
}

/** The shop's data requests, newest first, without their (possibly large) exports. */
export function listDataRequests(db: Db, shopId: string, take = 250) {
  return db.dataRequest.findMany({
    where: { shopId },
    select: { id: true, requestId: true, shopifyCustomerId: true, email: true, createdAt: true },
    orderBy: { createdAt: "desc" },
    take,
  });
}

/** One data request with its export, or null when it does not exist in this shop. */
export function findDataRequest(db: Db, shopId: string, id: string) {
  return db.dataRequest.findFirst({ where: { id, shopId } });
}
