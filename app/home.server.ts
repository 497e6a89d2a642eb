// Everything Home shows for one shop and one period, as plain JSON for the page. The period comes from the URL and
// is never trusted: chooseDateRange answers anything with a usable range (and a notice when it had to).
import type { Db } from "./db/client.server";
import { needsAttention } from "./domain/dashboard/attention";
import { chooseDateRange, describeRange } from "./domain/dashboard/date-range";
import { dayList } from "./domain/dashboard/days";
import { formatShare, rankFlows, rankMessages, share } from "./domain/dashboard/rankings";
import { revenueChartSeries } from "./domain/dashboard/series";
import { formatMoney } from "./domain/money";
import { dayInTimezone } from "./domain/time";
import { attentionCounters, describeMessage, listHomeFlows, revenueByDayAndFlow, summarizeRange } from "./models/dashboard.server";

type HomeShop = { id: string; name: string; timezone: string; currency: string };

/** How many flows and messages the "Top" tables list. */
export const TOP_ROWS = 5;

/** Home's data for the shop and the URL's ?from=&to=, as of `now`. */
export async function loadHome(db: Db, shop: HomeShop, url: URL, now: Date) {
  const today = dayInTimezone(now, shop.timezone);
  const { range, notice } = chooseDateRange({ from: url.searchParams.get("from"), to: url.searchParams.get("to") }, today);
  const [summary, flows, revenueCells] = await Promise.all([summarizeRange(db, shop, range), listHomeFlows(db, shop), revenueByDayAndFlow(db, shop.id, range)]);
  const attention = needsAttention(await attentionCounters(db, shop.id, flows, today), today);
  const flowsById = new Map(flows.map((f) => [f.id, f]));
  const money = (minor: bigint) => formatMoney(minor, shop.currency);
  const t = summary.totals;
  return {
    shopName: shop.name,
    currency: shop.currency,
    today,
    range: { ...range, label: describeRange(range) },
    notice,
    liveFlows: flows.filter((f) => f.status === "live").length,
    // The headline numbers.
    attributedRevenue: money(t.revenue),
    attributedShare: formatShare(share(t.revenue, t.store_revenue)),
    attributedOrders: t.orders.toString(),
    storeRevenue: money(t.store_revenue),
    storeOrders: t.store_orders.toString(),
    emailsSent: t.sent.toString(),
    openRate: formatShare(share(t.opened, t.sent)),
    clickRate: formatShare(share(t.clicked, t.sent)),
    profiles: summary.profiles,
    subscribers: summary.subscribers,
    chart: revenueChartSeries(revenueCells, dayList(range.from, range.to), new Map(flows.map((f) => [f.id, f.name])), shop.currency),
    topFlows: rankFlows(flows, summary.byFlow, TOP_ROWS).map((row) => ({
      id: row.flow.id,
      name: row.name,
      status: row.flow.status,
      revenue: money(row.revenue),
      orders: row.orders.toString(),
      sent: row.sent.toString(),
      openRate: formatShare(row.openRate),
      clickRate: formatShare(row.clickRate),
    })),
    topMessages: rankMessages(summary.byMessage, (m) => describeMessage(flowsById, m), TOP_ROWS).map((row) => ({
      key: `${row.message.flowId}/${row.message.stepId}/${row.message.campaignId}`,
      // Only an email still in its flow has an editor to link to.
      editUrl: row.inFlow ? `/app/flows/${row.message.flowId}/emails/${row.message.stepId}` : null,
      name: row.name,
      flowName: row.flowName,
      revenue: money(row.revenue),
      orders: row.orders.toString(),
      sent: row.sent.toString(),
      clickRate: formatShare(row.clickRate),
    })),
    attention,
  };
}

export type HomeData = Awaited<ReturnType<typeof loadHome>>;
