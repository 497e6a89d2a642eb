import { randomUUID } from "node:crypto";
import { providerOf, type Db } from "../db/client.server";
import type { Normalized } from "../domain/events/types";
import type { Dialect } from "../domain/segments/sql";
import { isWebhookTopic, normalizeWebhook } from "../domain/events/normalize";
import { normalizePixelEvent } from "../domain/events/pixel";
import { COMPLIANCE_TOPICS, handleComplianceWebhook, type ComplianceTopic } from "../models/compliance.server";
import { claimInboxBatch, releaseFailedEntry } from "../models/inbox.server";
import { applyNormalized } from "../models/ingest.server";
import { refreshMemberships } from "../models/segment-membership.server";
import { applySignup } from "../models/signups.server";
import { startLoop } from "./loop";
import type { Tx } from "../models/identity.server";

/** A payload that will never succeed (invalid for its topic): recorded as failed at once, not retried. */
export class PermanentInboxError extends Error {}

type Entry = Awaited<ReturnType<typeof claimInboxBatch>>[number];
type ShopRef = { id: string; currency: string; timezone: string };

export type DrainOptions = {
  owner?: string;
  now?: () => Date;
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
};

function isComplianceTopic(topic: string): topic is ComplianceTopic {
  return (COMPLIANCE_TOPICS as readonly string[]).includes(topic);
}

/**
 * Turns one inbox entry into events and profile changes; "shop-deleted" when shop/redact removed everything. The
 * person's segment memberships are re-evaluated in the same transaction, so "Entered Segment" lands with the fact.
 */
async function processEntry(tx: Tx, dialect: Dialect, shop: ShopRef, entry: Entry, now: Date): Promise<"done" | "shop-deleted"> {
  const applied = async (normalized: Normalized, source: string) => {
    const { profileId } = await applyNormalized(tx, shop, normalized, { source, now });
    if (profileId) await refreshMemberships(tx, dialect, shop, [profileId], now);
    return "done" as const;
  };
  if (entry.source === "shopify_webhook" && isWebhookTopic(entry.topic)) {
    const result = normalizeWebhook(entry.topic, entry.payload, { triggeredAt: entry.triggeredAt ?? entry.receivedAt });
    if (!result.ok) throw new PermanentInboxError(result.error);
    return applied(result.value, "shopify_webhook");
  }
  if (entry.source === "shopify_webhook" && isComplianceTopic(entry.topic)) {
    return handleComplianceWebhook(tx, shop, entry.topic, entry.payload, now);
  }
  if (entry.source === "web_pixel") {
    const result = normalizePixelEvent(entry.payload);
    if (!result.ok) throw new PermanentInboxError(result.error);
    return applied(result.value, "web_pixel");
  }
  if (entry.source === "signup_form") {
    const result = await applySignup(tx, shop, entry.payload, now);
    if (!result.ok) throw new PermanentInboxError(result.error);
    if (result.profileId) await refreshMemberships(tx, dialect, shop, [result.profileId], now);
    return "done";
  }
  throw new PermanentInboxError(`No handler for ${entry.source} ${entry.topic}`);
}

/**
 * Claims one batch and processes each entry in its own transaction together with marking it done, so a
 * crash at any point leaves the entry to be claimed again after its lease, and processing it twice is harmless.
 */
export async function drainInboxOnce(db: Db, options: DrainOptions = {}) {
  const now = options.now ?? (() => new Date());
  const owner = options.owner ?? `worker-${randomUUID()}`;
  const entries = await claimInboxBatch(db, owner, now(), options.leaseMs ?? 60_000, options.batchSize ?? 100);
  const shops = new Map<string, ShopRef | null>();
  const dialect = providerOf(db);
  let done = 0;
  let failed = 0;
  for (const entry of entries) {
    if (!shops.has(entry.shopId)) {
      shops.set(entry.shopId, await db.shop.findUnique({ where: { id: entry.shopId }, select: { id: true, currency: true, timezone: true } }));
    }
    const shop = shops.get(entry.shopId);
    if (!shop) continue; // the shop (and with it this entry) was erased meanwhile
    try {
      const outcome = await db.$transaction(async (tx) => {
        // Re-read inside the transaction: an earlier entry of this batch (a redact) may have changed or erased it.
        const current = await tx.inboxEntry.findUnique({ where: { id: entry.id }, select: { status: true, payload: true } });
        if (!current || current.status !== "pending") return "skipped" as const;
        const result = await processEntry(tx, dialect, shop, { ...entry, payload: current.payload }, now());
        if (result === "shop-deleted") return result;
        await tx.inboxEntry.update({
          where: { id: entry.id },
          data: { status: "done", processedAt: now(), attempts: entry.attempts + 1, leaseOwner: null, leaseUntil: null },
        });
        return result;
      });
      if (outcome === "shop-deleted") shops.set(entry.shopId, null);
      if (outcome !== "skipped") done++;
    } catch (error) {
      failed++;
      if (!(await db.inboxEntry.findUnique({ where: { id: entry.id }, select: { id: true } }))) continue; // erased meanwhile
      const message = error instanceof Error ? error.message : String(error);
      console.error(`inbox ${entry.topic} ${entry.id} failed (attempt ${entry.attempts + 1}): ${message}`);
      await releaseFailedEntry(db, entry.id, entry.attempts + 1, message, now(), options.maxAttempts ?? 8, error instanceof PermanentInboxError);
    }
  }
  return { claimed: entries.length, done, failed };
}

/** Drains continuously: a full batch goes straight on, an empty one waits `idleMs`. */
export function startInboxWorker(db: Db, options: DrainOptions & { idleMs?: number } = {}) {
  const batchSize = options.batchSize ?? 100;
  return startLoop("inbox worker", async () => (await drainInboxOnce(db, options)).claimed >= batchSize, options.idleMs ?? 500);
}
