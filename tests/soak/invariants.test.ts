// The soak's end-of-run checks, on hand-made outcomes: each one must catch what it is there to catch.
import { describe, expect, it } from "vitest";
import { ABANDONED_CHECKOUT_FLOW } from "../../app/domain/flows/preset-definitions";
import { parseFlowDefinition } from "../../app/domain/flows/definition";
import { compressDelays } from "../../soak/compress";
import { noCartEmailAfterOrder, noEmailTwice, noStuckRuns, onlyToConsenting, webhooksBecameTheirEvents } from "../../soak/invariants";
import { memoryTrend, theilSenSlope } from "../../soak/trend";
import { createSoakTraffic } from "../../soak/traffic";

const t = (s: number) => new Date(Date.UTC(2026, 10, 25, 8, 0, s));

describe("soak invariants", () => {
  const traffic = createSoakTraffic({ seed: 1, shopDomain: "soak-shop.myshopify.com", ingestKey: "key" });
  // Journeys until there is an order: Shopify-shaped webhooks the normalizer reads.
  const webhooks = Array.from({ length: 40 }, (_, i) => traffic.journey(t(i).getTime()))
    .flat()
    .filter((d) => d.kind === "webhook");
  const accepted = webhooks.map((d) => ({ webhookId: d.webhookId, topic: d.topic, body: d.body, triggeredAt: d.triggeredAt }));

  it("holds when the stored events are exactly the accepted webhooks' events, and names what is missing or extra", async () => {
    expect(new Set(webhooks.map((w) => w.topic))).toEqual(new Set(["customers/create", "customers_email_marketing_consent/update", "checkouts/create", "orders/create", "refunds/create"]));
    const { normalizeWebhook } = await import("../../app/domain/events/normalize");
    const all = accepted.flatMap((w) => {
      const r = normalizeWebhook(w.topic, w.body, { triggeredAt: w.triggeredAt });
      if (!r.ok) throw new Error(r.error);
      return r.value.events.map((e) => e.sourceId);
    });
    expect(all.length).toBeGreaterThan(accepted.length / 2);
    expect(webhooksBecameTheirEvents(accepted, { webhookEventSourceIds: all, inboxPending: 0, inboxFailed: 0 }).pass).toBe(true);

    const missing = webhooksBecameTheirEvents(accepted, { webhookEventSourceIds: all.slice(1), inboxPending: 0, inboxFailed: 0 });
    expect(missing).toMatchObject({ pass: false });
    expect(missing.detail).toContain(`1 missing (e.g. ${all[0]})`);
    expect(webhooksBecameTheirEvents(accepted, { webhookEventSourceIds: [...all, "orders/create:1:Placed Order"], inboxPending: 0, inboxFailed: 0 }).detail).toContain("1 unexpected");
    expect(webhooksBecameTheirEvents(accepted, { webhookEventSourceIds: all, inboxPending: 1, inboxFailed: 0 }).pass).toBe(false);
  });

  it("finds an email delivered twice, or one without its message id", () => {
    const once = [{ to: "a@x.example", atMs: 1, messageId: "m1" }, { to: "b@x.example", atMs: 2, messageId: "m2" }];
    expect(noEmailTwice(once).pass).toBe(true);
    expect(noEmailTwice([...once, { to: "a@x.example", atMs: 3, messageId: "m1" }])).toMatchObject({ pass: false });
    expect(noEmailTwice([...once, { to: "c@x.example", atMs: 3, messageId: null }]).pass).toBe(false);
  });

  it("finds an email before consent, after an unsubscribe (past the grace) and to a suppressed address", () => {
    const consent = {
      subscribedAt: new Map([["a@x.example", 1_000], ["b@x.example", 1_000]]),
      unsubscribedAt: new Map([["b@x.example", 10_000]]),
      suppressedAt: new Map<string, number>(),
    };
    expect(onlyToConsenting([{ to: "A@x.example", atMs: 2_000, messageId: "m" }, { to: "b@x.example", atMs: 14_000, messageId: "n" }], consent, 5_000).pass).toBe(true);
    expect(onlyToConsenting([{ to: "a@x.example", atMs: 500, messageId: "m" }], consent, 5_000).pass).toBe(false);
    expect(onlyToConsenting([{ to: "z@x.example", atMs: 5_000, messageId: "m" }], consent, 5_000).pass).toBe(false);
    expect(onlyToConsenting([{ to: "b@x.example", atMs: 16_000, messageId: "m" }], consent, 5_000).pass).toBe(false);
    consent.suppressedAt.set("a@x.example", 3_000);
    expect(onlyToConsenting([{ to: "a@x.example", atMs: 9_000, messageId: "m" }], consent, 5_000).pass).toBe(false);
  });

  it("finds a cart email sent after that person's order was stored, allowing one worker pass", () => {
    const email = { messageId: "m1", profileId: "p1", runStartedAt: t(0), sentAt: t(60) };
    const order = (placed: number, received: number, profileId = "p1") => ({ profileId, placedAt: t(placed), receivedAt: t(received) });
    expect(noCartEmailAfterOrder([email], [order(50, 55)], 10_000).pass).toBe(true);
    expect(noCartEmailAfterOrder([email], [order(10, 10, "p2")], 10_000).pass).toBe(true);
    // An order placed before this run's checkout is not this cart's, even when it arrived late.
    expect(noCartEmailAfterOrder([{ ...email, runStartedAt: t(20) }], [order(10, 40)], 10_000).pass).toBe(true);
    const late = noCartEmailAfterOrder([email], [order(25, 30)], 10_000);
    expect(late).toMatchObject({ pass: false });
    expect(late.detail).toContain("m1 sent 30.0 s after the order was stored");
  });

  it("finds a run overdue past the bound at the end, counting from a killed worker's lease when it held one", () => {
    const end = t(600);
    const run = (nextRunAt: number, leaseUntil: number | null, status = "waiting") => ({ id: "r", status, nextRunAt: t(nextRunAt), leaseUntil: leaseUntil === null ? null : t(leaseUntil) });
    expect(noStuckRuns([run(590, null), run(0, null, "completed")], end, 60_000).pass).toBe(true);
    expect(noStuckRuns([run(500, null)], end, 60_000).pass).toBe(false);
    // Claimed by a worker that was killed: due at 100 s, its lease runs until 650 s.
    const leased = noStuckRuns([run(100, 650)], end, 60_000);
    expect(leased.pass).toBe(true);
    expect(leased.detail).toContain("1 due but still leased");
    // The lease ran out at 500 s and nobody took the run since.
    expect(noStuckRuns([run(100, 500)], end, 60_000).pass).toBe(false);
  });

  it("calls memory flat through spikes, and growing when it climbs", () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({ atMs: i * 5_000, rssBytes: 300e6 + (i % 7 === 0 ? 80e6 : 0) }));
    expect(theilSenSlope(flat)).toBe(0);
    expect(memoryTrend(flat, { warmupMs: 30_000, maxGrowthPercent: 15 }).flat).toBe(true);
    const leak = flat.map((s, i) => ({ ...s, rssBytes: 300e6 + i * 2e6 }));
    const verdict = memoryTrend(leak, { warmupMs: 30_000, maxGrowthPercent: 15 });
    expect(verdict.flat).toBe(false);
    expect(verdict.mbPerMinute).toBeCloseTo((24e6 / 2 ** 20), 1);
  });

  it("puts the flows on a short clock that still parses: 4 h in a minute, 24 h in six", () => {
    const fast = compressDelays(ABANDONED_CHECKOUT_FLOW);
    expect(parseFlowDefinition(fast)).toMatchObject({ ok: true });
    const text = JSON.stringify(fast);
    expect(text).not.toMatch(/"unit":"(hours|days)"/);
    expect(text).toContain(`"duration":{"amount":1,"unit":"minutes"}`);
    expect(text).toContain(`"duration":{"amount":6,"unit":"minutes"}`);
  });
});
