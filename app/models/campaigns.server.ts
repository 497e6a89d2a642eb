// A shop's campaigns: save drafts, schedule, cancel, read. Every read and write is scoped by shop; another shop's
// campaign or segment id is simply not found. Sending is app/worker/campaign-worker.server.ts.
import type { Db } from "../db/client.server";
import { parseCampaignDefinition, scheduleProblem, type CampaignDefinition } from "../domain/campaigns/definition";
import { launchAt } from "../domain/campaigns/send-time";

export const MAX_CAMPAIGNS_PER_SHOP = 1_000;
/** Statuses in which the merchant may still change the definition. */
const EDITABLE = ["draft", "scheduled"];
/** Statuses a cancel stops; a sent or cancelled campaign stays as it is. */
const CANCELLABLE = ["draft", "scheduled", "launching", "sending"];

export type CampaignResult = { ok: true; id: string } | { ok: false; status: 400 | 404 | 409; error: string };

/** The stored definition, validated again on the way out (a row from an older version may no longer parse). */
export function storedDefinition(json: unknown): CampaignDefinition | null {
  const parsed = parseCampaignDefinition(json);
  return parsed.ok ? parsed.value : null;
}

/** Creates (no id) or updates a draft or scheduled campaign; invalid input changes nothing. Saving unschedules. */
export async function saveCampaign(db: Db, shopId: string, id: string | null, input: unknown): Promise<CampaignResult> {
  const parsed = parseCampaignDefinition(input);
  if (!parsed.ok) return { ok: false, status: 400, error: parsed.error };
  const definition = parsed.value;
  const segmentIds = [...new Set([...definition.segmentIds, ...definition.excludeSegmentIds])];
  const owned = await db.segment.count({ where: { shopId, id: { in: segmentIds } } });
  if (owned !== segmentIds.length) return { ok: false, status: 400, error: "A chosen segment does not exist" };
  if (id) {
    const { count } = await db.campaign.updateMany({
      where: { id, shopId, status: { in: EDITABLE } },
      data: { name: definition.name, definition, status: "draft", launchAt: null },
    });
    if (count === 1) return { ok: true, id };
    const exists = await db.campaign.count({ where: { id, shopId } });
    return exists ? { ok: false, status: 409, error: "The campaign is already sending and can no longer change" } : { ok: false, status: 404, error: "No such campaign" };
  }
  if ((await db.campaign.count({ where: { shopId } })) >= MAX_CAMPAIGNS_PER_SHOP) {
    return { ok: false, status: 409, error: `A shop has at most ${MAX_CAMPAIGNS_PER_SHOP} campaigns` };
  }
  const created = await db.campaign.create({ data: { shopId, name: definition.name, definition }, select: { id: true } });
  return { ok: true, id: created.id };
}

/** Schedules a draft per its schedule (a "now" campaign launches on the worker's next pass). */
export async function scheduleCampaign(db: Db, shopId: string, id: string, now: Date): Promise<CampaignResult> {
  const row = await db.campaign.findFirst({ where: { id, shopId }, select: { status: true, definition: true } });
  if (!row) return { ok: false, status: 404, error: "No such campaign" };
  const definition = storedDefinition(row.definition);
  if (!definition) return { ok: false, status: 409, error: "The campaign needs editing before it can be sent" };
  const problem = scheduleProblem(definition.schedule, now);
  if (problem) return { ok: false, status: 400, error: problem };
  const { count } = await db.campaign.updateMany({
    where: { id, shopId, status: "draft" },
    data: { status: "scheduled", launchAt: launchAt(definition.schedule, now) },
  });
  return count === 1 ? { ok: true, id } : { ok: false, status: 409, error: "Only a draft can be scheduled" };
}

/** Stops a campaign: nothing not yet queued goes out. Emails already handed to the queue are not recalled. */
export async function cancelCampaign(db: Db, shopId: string, id: string): Promise<CampaignResult> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.campaign.updateMany({ where: { id, shopId, status: { in: CANCELLABLE } }, data: { status: "cancelled" } });
    if (count === 0) {
      const exists = await tx.campaign.count({ where: { id, shopId } });
      return exists ? { ok: false as const, status: 409 as const, error: "The campaign has finished" } : { ok: false as const, status: 404 as const, error: "No such campaign" };
    }
    await tx.campaignRecipient.updateMany({ where: { campaignId: id, shopId, status: "pending" }, data: { status: "skipped", skipReason: "cancelled" } });
    return { ok: true as const, id };
  });
}

export async function findCampaign(db: Db, shopId: string, id: string) {
  const row = await db.campaign.findFirst({ where: { id, shopId } });
  return row ? { ...row, definition: storedDefinition(row.definition) } : null;
}

export async function listCampaigns(db: Db, shopId: string) {
  return db.campaign.findMany({
    where: { shopId },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: { id: true, name: true, status: true, launchAt: true, launchedAt: true, winnerVariant: true, createdAt: true },
  });
}
