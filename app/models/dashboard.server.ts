// Home's numbers. Every figure about emails and revenue comes from the daily counters (DailyRollup); the flows'
// names, subjects and first versions name and date them; two indexed counts give the audience size.
import type { Db } from "../db/client.server";
import { ATTENTION_METRICS, attentionWindowStart, type AttentionMetric, type FlowDaily } from "../domain/dashboard/attention";
import { RANKING_METRICS, splitCounters, type MessageCounters } from "../domain/dashboard/rankings";
import type { RevenueCell } from "../domain/dashboard/series";
import { emailStepIn } from "./flow-editing.server";
import { storedDefinition } from "./flow-definitions.server";
import { findPreset } from "../domain/flows/presets";
import type { FlowDefinition } from "../domain/flows/definition";
import { dayInTimezone, recentDays } from "../domain/time";

export const HOME_METRICS = ["revenue", "orders", "sent", "opened", "clicked", "store_revenue", "store_orders"];

type ShopRef = { id: string; timezone: string; currency: string };
export type DayRange = { from: string; to: string };

/**
 * Home's numbers for [from, to] (shop-local days) from one pass over the counters: headline totals, per flow and per
 * message (flow step or campaign) for the rankings; plus two indexed counts for the audience.
 */
export async function summarizeRange(db: Db, shop: ShopRef, range: DayRange) {
  const [rows, profiles, subscribers] = await Promise.all([
    db.dailyRollup.groupBy({
      by: ["flowId", "stepId", "campaignId", "metric"],
      where: { shopId: shop.id, metric: { in: [...new Set([...HOME_METRICS, ...RANKING_METRICS])] }, day: { gte: range.from, lte: range.to } },
      _sum: { value: true },
    }),
    db.profile.count({ where: { shopId: shop.id, mergedIntoId: null } }),
    db.profile.count({ where: { shopId: shop.id, mergedIntoId: null, emailConsent: "subscribed" } }),
  ]);
  const split = splitCounters(rows.map((r) => ({ flowId: r.flowId, stepId: r.stepId, campaignId: r.campaignId, metric: r.metric, value: r._sum.value ?? 0n })));
  const totals = Object.fromEntries(HOME_METRICS.map((m) => [m, split.totals[m] ?? 0n])) as Record<string, bigint>;
  return { from: range.from, to: range.to, currency: shop.currency, totals, byFlow: split.byFlow, byMessage: split.byMessage, profiles, subscribers };
}

/** Home page numbers for the last `days` shop-local days. */
export async function getHomeSummary(db: Db, shop: ShopRef, now: Date, days = 30) {
  const period = recentDays(now, shop.timezone, days);
  return summarizeRange(db, shop, { from: period[0], to: period[period.length - 1] });
}

/** Attributed revenue per day and flow over the range ("" for emails outside any flow). */
export async function revenueByDayAndFlow(db: Db, shopId: string, range: DayRange): Promise<RevenueCell[]> {
  const rows = await db.dailyRollup.groupBy({
    by: ["day", "flowId"],
    where: { shopId, metric: "revenue", day: { gte: range.from, lte: range.to } },
    _sum: { value: true },
  });
  return rows.map((row) => ({ day: row.day, flowId: row.flowId, value: row._sum.value ?? 0n }));
}

export type HomeFlow = {
  id: string;
  name: string;
  status: string;
  /** The shop-local day of the flow's first version: it cannot have counted anything before. */
  liveSince: string | null;
  definition: FlowDefinition | null;
};

/** The shop's flows with their current definitions (for email subjects) and the day each first went live. */
export async function listHomeFlows(db: Db, shop: ShopRef): Promise<HomeFlow[]> {
  const flows = await db.flow.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } });
  const currentIds = flows.map((f) => f.currentVersionId).filter((id): id is string => id !== null);
  const [current, firsts] = await Promise.all([
    db.flowVersion.findMany({ where: { shopId: shop.id, id: { in: currentIds } }, select: { id: true, definition: true } }),
    db.flowVersion.groupBy({ by: ["flowId"], where: { shopId: shop.id }, _min: { createdAt: true } }),
  ]);
  const definitions = new Map(current.map((v) => [v.id, v.definition]));
  const firstAt = new Map(firsts.map((f) => [f.flowId, f._min.createdAt]));
  return flows.map((flow) => {
    const stored = flow.currentVersionId ? definitions.get(flow.currentVersionId) : undefined;
    const first = firstAt.get(flow.id);
    return {
      id: flow.id,
      name: flow.name,
      status: flow.status,
      liveSince: first ? dayInTimezone(first, shop.timezone) : null,
      definition: stored !== undefined ? storedDefinition(stored) : ((findPreset(flow.preset)?.definition as FlowDefinition | undefined) ?? null),
    };
  });
}

/** What a message is called on Home: its email's subject and its flow's name. */
export function describeMessage(flows: Map<string, HomeFlow>, message: MessageCounters): { name: string; flowName: string; inFlow: boolean } {
  if (!message.flowId) return { name: `Campaign ${message.campaignId}`, flowName: "Campaign", inFlow: false };
  const flow = flows.get(message.flowId);
  const step = emailStepIn(flow?.definition ?? null, message.stepId);
  return { name: step?.subject ?? "An email no longer in the flow", flowName: flow?.name ?? "A deleted flow", inFlow: step !== null };
}

/** Each flow's daily counters the needs-attention rules read, from the first day they need up to `today`. */
export async function attentionCounters(db: Db, shopId: string, flows: HomeFlow[], today: string): Promise<FlowDaily[]> {
  const rows = await db.dailyRollup.groupBy({
    by: ["flowId", "day", "metric"],
    where: { shopId, metric: { in: ATTENTION_METRICS }, day: { gte: attentionWindowStart(today), lte: today }, flowId: { not: "" } },
    _sum: { value: true },
  });
  const byFlow = new Map<string, FlowDaily>(
    flows.map((f) => [f.id, { flowId: f.id, name: f.name, liveSince: f.liveSince, counts: {} }]),
  );
  for (const row of rows) {
    const flow = byFlow.get(row.flowId);
    if (!flow) continue; // counters of a flow deleted since
    const series = (flow.counts[row.metric as AttentionMetric] ??= {});
    series[row.day] = Number(row._sum.value ?? 0n);
  }
  return [...byFlow.values()];
}
