// Sends campaigns (issue 8) in three idempotent steps per pass, each safe to repeat after a crash:
//   launch  - materialise recipients (segments minus exclusions, in SQL) with group, variant and send instant;
//   queue   - due recipients re-checked (consent, suppression, exclusion, smart sending) and queued as Messages,
//             which deliverQueued sends like flow emails (rendering, tracking, attribution all shared);
//   winner  - when an A/B test window ends, the winner is set once by a conditional update, then the rest get it.
import type { Db, DbOrTx } from "../db/client.server";
import { chooseWinner, inTestShare, testVariant, winnerDueAt, type VariantResult } from "../domain/campaigns/ab";
import { recipientSkip } from "../domain/campaigns/audience";
import type { CampaignDefinition } from "../domain/campaigns/definition";
import { isKnownTimezone, recipientSendAt, recipientTimezone } from "../domain/campaigns/send-time";
import { join, sql, type SqlFragment } from "../domain/segments/sql-fragment";
import { segmentMembersSql } from "../domain/segments/sql";
import { storedDefinition } from "../models/campaigns.server";
import { COUNTED_STATUSES, lastMarketingEmail, loadFlowSettings } from "../models/flow-facts.server";
import { queueMessage } from "../models/messages.server";
import { dialectOf, segmentMemberIds, toPrismaSql } from "../models/segment-query.server";
import { shopClock, storedTree } from "../models/segments.server";

const PAGE = 500;

export type CampaignPass = { launched: number; queued: number; skipped: number; winners: number };

/** One pass of launch, queue and winner choice; `more` when a step stopped at its limit. */
export async function runCampaignsOnce(db: Db, options: { now: Date; limit?: number }): Promise<CampaignPass & { more: boolean }> {
  const { now } = options;
  const limit = options.limit ?? 200;
  const launched = await launchDue(db, now);
  const winners = await chooseDueWinners(db, now);
  const { queued, skipped } = await queueDue(db, now, limit);
  await finishSent(db);
  return { launched, queued, skipped, winners, more: queued + skipped >= limit };
}

// --- launch ----------------------------------------------------------------------------------------------

/** Claims due scheduled campaigns, then materialises every campaign still launching (also one a crash left). */
async function launchDue(db: Db, now: Date): Promise<number> {
  await db.campaign.updateMany({ where: { status: "scheduled", launchAt: { lte: now } }, data: { status: "launching", launchedAt: now } });
  const launching = await db.campaign.findMany({ where: { status: "launching" }, include: { shop: { select: { timezone: true } } } });
  for (const campaign of launching) {
    const definition = storedDefinition(campaign.definition);
    if (!definition) {
      await db.campaign.updateMany({ where: { id: campaign.id, status: "launching" }, data: { status: "cancelled" } });
      continue;
    }
    await materialise(db, { ...campaign, launchedAt: campaign.launchedAt ?? now, definition }, now);
    const test = definition.abTest;
    const lastTest = test ? await db.campaignRecipient.aggregate({ where: { campaignId: campaign.id, group: "test" }, _max: { sendAt: true } }) : null;
    await db.campaign.updateMany({
      where: { id: campaign.id, status: "launching" },
      data: { status: "sending", ...(test ? { winnerDueAt: winnerDueAt(test, lastTest?._max.sendAt ?? now) } : {}) },
    });
  }
  return launching.length;
}

/** The audience as SQL: members of any chosen segment, of no exclusion segment (unparseable segments count empty). */
async function audienceSql(db: Db, shopId: string, definition: CampaignDefinition, now: Date): Promise<SqlFragment> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { timezone: true } });
  const clock = shopClock(shop, now);
  const dialect = dialectOf(db);
  const segments = await db.segment.findMany({ where: { shopId, id: { in: [...definition.segmentIds, ...definition.excludeSegmentIds] } } });
  const members = (ids: string[]) =>
    segments.filter((s) => ids.includes(s.id)).flatMap((s) => {
      const tree = storedTree(s.conditions);
      return tree ? [sql`p."id" IN (${segmentMembersSql(tree, dialect, clock, shopId)})`] : [];
    });
  const included = members(definition.segmentIds);
  const excluded = members(definition.excludeSegmentIds);
  const any = included.length ? sql`(${join(included, " OR ")})` : sql`1 = 0`;
  const none = excluded.length ? sql` AND NOT (${join(excluded, " OR ")})` : sql``;
  return sql`SELECT p."id", p."properties" FROM "Profile" p WHERE p."shopId" = ${shopId} AND p."mergedIntoId" IS NULL AND ${any}${none}`;
}

async function materialise(
  db: Db,
  campaign: { id: string; shopId: string; launchedAt: Date; shop: { timezone: string }; definition: CampaignDefinition },
  now: Date,
) {
  const { definition } = campaign;
  const audience = await audienceSql(db, campaign.shopId, definition, now);
  const variantIds = definition.variants.map((v) => v.id);
  let after = "";
  for (;;) {
    const page = await db.$queryRaw<Array<{ id: string; properties: unknown }>>(
      toPrismaSql(sql`${audience} AND p."id" > ${after} ORDER BY p."id" LIMIT ${PAGE}`),
    );
    if (page.length === 0) return;
    after = page[page.length - 1]!.id;
    const existing = new Set(
      (await db.campaignRecipient.findMany({ where: { campaignId: campaign.id, profileId: { in: page.map((p) => p.id) } }, select: { profileId: true } })).map((r) => r.profileId),
    );
    const rows = page.filter((p) => !existing.has(p.id)).map((p) => {
      const key = { campaignId: campaign.id, profileId: p.id };
      const test = definition.abTest;
      const group = !test ? "all" : inTestShare(test.testPercent, key) ? "test" : "rest";
      const variant = group === "all" ? variantIds[0]! : group === "test" ? testVariant(variantIds, key) : null;
      // PostgreSQL returns Json as an object, SQLite as text.
      const properties = typeof p.properties === "string" ? safeJson(p.properties) : p.properties;
      const timezone = recipientTimezone(properties, campaign.shop.timezone, isKnownTimezone);
      return { shopId: campaign.shopId, campaignId: campaign.id, profileId: p.id, group, variant, sendAt: recipientSendAt(definition.schedule, campaign.launchedAt, timezone) };
    });
    // A second worker materialising the same page loses the race on the unique key; the next pass skips those rows.
    if (rows.length) await db.campaignRecipient.createMany({ data: rows }).catch((e) => (isUniqueViolation(e) ? null : Promise.reject(e)));
    if (page.length < PAGE) return;
  }
}

// --- winner ----------------------------------------------------------------------------------------------

async function chooseDueWinners(db: Db, now: Date): Promise<number> {
  const due = await db.campaign.findMany({ where: { status: "sending", winnerVariant: null, winnerDueAt: { lte: now } } });
  let chosen = 0;
  for (const campaign of due) {
    const definition = storedDefinition(campaign.definition);
    if (!definition?.abTest) continue;
    const winner = chooseWinner(await variantResults(db, campaign.id, definition.variants.map((v) => v.id)), definition.abTest.metric);
    await db.$transaction(async (tx) => {
      // The conditional update makes the choice once, whichever worker gets here first.
      const { count } = await tx.campaign.updateMany({ where: { id: campaign.id, winnerVariant: null, status: "sending" }, data: { winnerVariant: winner } });
      if (count === 0) return;
      chosen++;
      await tx.campaignRecipient.updateMany({ where: { campaignId: campaign.id, group: "rest", variant: null }, data: { variant: winner } });
    });
  }
  return chosen;
}

/** Emails sent, clicking recipients and attributed revenue per variant, from the same Message and Attribution rows the report reads. */
export async function variantResults(db: DbOrTx, campaignId: string, variantIds: string[]): Promise<VariantResult[]> {
  const [sent, clicked, revenue] = await Promise.all([
    db.message.groupBy({ by: ["variant"], where: { campaignId, status: { in: COUNTED_STATUSES } }, _count: { _all: true } }),
    db.message.groupBy({ by: ["variant"], where: { campaignId, firstClickedAt: { not: null } }, _count: { _all: true } }),
    db.attribution.findMany({ where: { campaignId }, select: { revenueMinor: true, refundedMinor: true, message: { select: { variant: true } } } }),
  ]);
  return variantIds.map((id) => ({
    id,
    sent: sent.find((r) => r.variant === id)?._count._all ?? 0,
    clicks: clicked.find((r) => r.variant === id)?._count._all ?? 0,
    revenueMinor: revenue.filter((a) => a.message.variant === id).reduce((sum, a) => sum + a.revenueMinor - a.refundedMinor, 0n),
  }));
}

// --- queue -----------------------------------------------------------------------------------------------

async function queueDue(db: Db, now: Date, limit: number): Promise<{ queued: number; skipped: number }> {
  const due = await db.campaignRecipient.findMany({
    where: { status: "pending", variant: { not: null }, sendAt: { lte: now }, campaign: { status: "sending" } },
    orderBy: [{ sendAt: "asc" }, { id: "asc" }],
    take: limit,
    include: { campaign: { select: { id: true, definition: true } } },
  });
  let queued = 0;
  let skipped = 0;
  const byCampaign = new Map<string, typeof due>();
  for (const r of due) byCampaign.set(r.campaignId, [...(byCampaign.get(r.campaignId) ?? []), r]);
  for (const recipients of byCampaign.values()) {
    const { campaign, shopId } = recipients[0]!;
    const definition = storedDefinition(campaign.definition);
    if (!definition) continue;
    const settings = await loadFlowSettings(db, shopId);
    const excluded = await excludedNow(db, shopId, definition, recipients.map((r) => r.profileId), now);
    for (const r of recipients) {
      const queueOne = () => db.$transaction(async (tx) => {
        const profile = await tx.profile.findFirst({ where: { id: r.profileId, shopId }, select: { email: true, emailConsent: true } });
        const email = profile?.email ?? null;
        const suppressed = email ? (await tx.suppression.count({ where: { shopId, email } })) > 0 : false;
        const skip = recipientSkip(
          { email, emailConsent: profile?.emailConsent ?? "unknown", suppressed, excluded: excluded.has(r.profileId), lastMarketingEmailAt: await lastMarketingEmail(tx, shopId, r.profileId, now) },
          { now, smartSendingHours: definition.smartSending ? settings.smartSendingHours : null },
        );
        // Only a still-pending row moves on: a cancel in between wins.
        if (skip) {
          await tx.campaignRecipient.updateMany({ where: { id: r.id, status: "pending" }, data: { status: "skipped", skipReason: skip } });
          return "skipped";
        }
        const variant = definition.variants.find((v) => v.id === r.variant) ?? definition.variants[0]!;
        const { message } = await queueMessage(tx, {
          shopId,
          profileId: r.profileId,
          idempotencyKey: `campaign:${r.campaignId}:${r.profileId}`,
          toEmail: email!,
          subject: variant.subject,
          html: null,
          text: null,
          campaignId: r.campaignId,
          variant: variant.id,
        });
        const { count } = await tx.campaignRecipient.updateMany({ where: { id: r.id, status: "pending" }, data: { status: "queued", messageId: message.id } });
        if (count === 0) throw new Cancelled();
        return "queued";
      });
      // Another worker queued the same recipient at once: PostgreSQL aborted our transaction, so run it again; it
      // now finds the row no longer pending.
      const outcome = await queueOne()
        .catch((e) => (isUniqueViolation(e) ? queueOne() : Promise.reject(e)))
        .catch((e) => (e instanceof Cancelled ? "cancelled" : Promise.reject(e)));
      if (outcome === "queued") queued++;
      else if (outcome === "skipped") skipped++;
    }
  }
  return { queued, skipped };
}

class Cancelled extends Error {}

/** Which of these profiles are in an exclusion segment now (membership can change between launch and send). */
async function excludedNow(db: Db, shopId: string, definition: CampaignDefinition, profileIds: string[], now: Date): Promise<Set<string>> {
  if (definition.excludeSegmentIds.length === 0) return new Set();
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { timezone: true } });
  const segments = await db.segment.findMany({ where: { shopId, id: { in: definition.excludeSegmentIds } } });
  const out = new Set<string>();
  for (const s of segments) {
    const tree = storedTree(s.conditions);
    if (!tree) continue;
    for (const id of await segmentMemberIds(db, dialectOf(db), shopId, tree, shopClock(shop, now), { only: profileIds })) out.add(id);
  }
  return out;
}

/** A sending campaign with nobody left to queue (winner chosen, if tested) is sent. */
async function finishSent(db: Db) {
  const sending = await db.campaign.findMany({ where: { status: "sending" }, select: { id: true, winnerDueAt: true, winnerVariant: true } });
  for (const c of sending) {
    if (c.winnerDueAt && !c.winnerVariant) continue;
    const pending = await db.campaignRecipient.count({ where: { campaignId: c.id, status: "pending" } });
    if (pending === 0) await db.campaign.updateMany({ where: { id: c.id, status: "sending" }, data: { status: "sent" } });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}
