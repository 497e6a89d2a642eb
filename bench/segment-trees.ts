// The five typical segments the benchmark counts, as the app's condition trees (domain/segments/tree.ts).
import type { SegmentTree } from "../app/domain/segments/tree";
import { PRODUCT_X } from "./segment-data";

export const BENCH_SEGMENTS: Array<{ name: string; tree: SegmentTree }> = [
  {
    name: "female, 30-50, no product X in a year",
    tree: {
      kind: "all",
      of: [
        { kind: "property", key: "gender", type: "text", op: "eq", value: "female" },
        { kind: "age", key: "birthday", op: "gte", value: 30 },
        { kind: "age", key: "birthday", op: "lte", value: 50 },
        { kind: "event_count", event: "Ordered Product", where: [{ path: "productId", type: "text", op: "eq", value: PRODUCT_X }], since: { days: 365 }, atMost: 0 },
      ],
    },
  },
  { name: "3+ Opened Email in 30 days", tree: { kind: "event_count", event: "Opened Email", since: { days: 30 }, atLeast: 3 } },
  {
    name: "2+ orders, revenue > 200, consented",
    tree: {
      kind: "all",
      of: [
        { kind: "profile", field: "ordersCount", op: "gte", value: 2 },
        { kind: "profile", field: "revenueMinor", op: "gt", value: 20_000 },
        { kind: "profile", field: "emailConsent", op: "eq", value: "subscribed" },
      ],
    },
  },
  {
    name: "viewed a product, no order in 14 days",
    tree: {
      kind: "all",
      of: [
        { kind: "event_count", event: "Viewed Product", since: { days: 14 }, atLeast: 1 },
        { kind: "event_count", event: "Placed Order", since: { days: 14 }, atMost: 0 },
      ],
    },
  },
  {
    name: "RFM champions or lapsed big spenders",
    tree: {
      kind: "any",
      of: [
        { kind: "profile", field: "rfmGroup", op: "eq", value: "Champions" },
        {
          kind: "all",
          of: [
            { kind: "profile", field: "lastOrderAt", op: "more_than_days_ago", value: 180 },
            { kind: "profile", field: "revenueMinor", op: "gte", value: 50_000 },
          ],
        },
      ],
    },
  },
];
