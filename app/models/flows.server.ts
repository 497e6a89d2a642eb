import type { Db } from "../db/client.server";
import { FLOW_PRESETS, findPreset } from "../domain/flows/presets";
import { recentDays } from "../domain/time";
import { switchOff, switchOnPreset } from "./flow-definitions.server";
import { sumRollupsByFlow } from "./rollups.server";

const FLOW_METRICS = ["entered", "sent", "revenue"];

/** Creates the preset flows a shop does not have yet, switched off. */
export async function ensurePresetFlows(db: Db, shopId: string) {
  for (const preset of FLOW_PRESETS) {
    await db.flow.upsert({
      where: { shopId_preset: { shopId, preset: preset.preset } },
      create: { shopId, preset: preset.preset, name: preset.name, status: "draft" },
      update: {},
    });
  }
}

/** The shop's flows with their last-30-day numbers, presets in catalogue order first. */
export async function listFlowsWithNumbers(db: Db, shop: { id: string; timezone: string }, now: Date) {
  const period = recentDays(now, shop.timezone, 30);
  const [flows, numbers] = await Promise.all([
    db.flow.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } }),
    sumRollupsByFlow(db, shop.id, FLOW_METRICS, period[0], period[period.length - 1]),
  ]);
  const order = (preset: string | null) => {
    const index = FLOW_PRESETS.findIndex((p) => p.preset === preset);
    return index === -1 ? FLOW_PRESETS.length : index;
  };
  return flows
    .sort((a, b) => order(a.preset) - order(b.preset))
    .map((flow) => {
      const totals = numbers.get(flow.id);
      const preset = findPreset(flow.preset);
      return {
        id: flow.id,
        name: flow.name,
        status: flow.status,
        trigger: preset?.trigger ?? null,
        description: preset?.description ?? null,
        rationale: preset?.rationale ?? null,
        entered: totals?.entered ?? 0n,
        sent: totals?.sent ?? 0n,
        revenue: totals?.revenue ?? 0n,
      };
    });
}

/**
 * Switches one of the shop's flows on or off; null when the shop has no such flow (another shop's id included).
 * Switching on keeps the flow's current version (the merchant's edits); only a flow without one starts from its preset.
 */
export async function setFlowLive(db: Db, shopId: string, flowId: string, live: boolean) {
  const flow = await db.flow.findFirst({ where: { id: flowId, shopId } });
  const preset = findPreset(flow?.preset ?? null);
  if (!flow || !preset) return null;
  if (live) return switchOnPreset(db, shopId, preset.preset);
  await switchOff(db, shopId, preset.preset);
  return db.flow.findUniqueOrThrow({ where: { id: flow.id } });
}
