// The demo's stand-in for Shopify, against a recording transport: what it sends, how it signs and stamps it, and
// how it carries on after the app did not answer.
import { createHmac } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import type { Clock } from "../../app/domain/clock";
import { DEMO_SHOP_DOMAIN, seedDemoShop } from "../../app/demo/seed.server";
import { createDemoTraffic, startDemoTraffic, type TrafficTransport } from "../../app/demo/traffic.server";

const DAY = 86_400_000;
const SECRET = "demo-traffic-test-secret";
// A month long past: by the real clock every browser event in it is older than the pixel route accepts.
const ORIGIN = new Date("2025-03-01T05:00:00Z");
let ingestKey = "";

type Sent = { url: string; headers: Headers; body: string };

function recorder(answer: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 200 })) {
  const sent: Sent[] = [];
  const transport: TrafficTransport = async (request) => {
    sent.push({ url: request.url, headers: request.headers, body: await request.clone().text() });
    return answer(request);
  };
  return { sent, transport };
}

function traffic(clock: Clock, transport: TrafficTransport, extra: Partial<Parameters<typeof createDemoTraffic>[1]> = {}) {
  return createDemoTraffic(db, {
    appUrl: "http://127.0.0.1:3999",
    shopDomain: DEMO_SHOP_DOMAIN,
    apiSecret: SECRET,
    clock,
    origin: ORIGIN,
    after: ORIGIN,
    customers: 40,
    transport,
    log: () => {},
    ...extra,
  });
}

beforeAll(async () => {
  const { shop } = await seedDemoShop(db, { now: ORIGIN, customers: 40 });
  ingestKey = (await db.shop.findUniqueOrThrow({ where: { id: shop.id } })).pixelIngestKey ?? "";
});

afterEach(() => {
  vi.useRealTimers();
});

describe("demo traffic", () => {
  it("sends Shopify-signed webhooks stamped with the virtual clock's times, in time order", async () => {
    const { sent, transport } = recorder();
    let now = new Date(ORIGIN.getTime() + 2 * DAY);
    const t = await traffic({ now: () => now }, transport);
    const summary = await t.tick();
    const webhooks = sent.filter((s) => s.url.includes("/webhooks/"));
    expect(summary).toMatchObject({ reached: now, failed: 0, sent: sent.length });
    expect(webhooks.length).toBeGreaterThan(20);
    let previous = 0;
    for (const w of webhooks) {
      const topic = w.headers.get("X-Shopify-Topic")!;
      expect(w.url).toBe(`http://127.0.0.1:3999/webhooks/${topic}`);
      expect(w.headers.get("X-Shopify-Shop-Domain")).toBe(DEMO_SHOP_DOMAIN);
      expect(w.headers.get("X-Shopify-Hmac-Sha256")).toBe(createHmac("sha256", SECRET).update(w.body).digest("base64"));
      const triggered = Date.parse(w.headers.get("X-Shopify-Triggered-At")!);
      expect(triggered).toBeGreaterThan(ORIGIN.getTime());
      expect(triggered).toBeLessThanOrEqual(now.getTime());
      expect(triggered).toBeGreaterThanOrEqual(previous - 3 * 3_600_000); // only a late order comes out of order
      previous = Math.max(previous, triggered);
      for (const [, stamp] of w.body.matchAll(/"(?:created_at|updated_at|processed_at)":"([^"]+)"/g)) {
        expect(Date.parse(stamp)).toBeLessThanOrEqual(now.getTime());
        expect(Date.parse(stamp)).toBeGreaterThan(ORIGIN.getTime() - DAY);
      }
    }
    // Nothing is due again until the clock moves; then only what is new.
    expect((await t.tick()).sent).toBe(0);
    const before = sent.length;
    now = new Date(now.getTime() + 6 * 3_600_000);
    await t.tick();
    expect(sent.slice(before).every((s) => Date.parse(s.headers.get("X-Shopify-Triggered-At") ?? "0") > now.getTime() - 9 * 3_600_000 || s.url.endsWith("/ingest/pixel"))).toBe(true);
  });

  it("leaves out browser events the pixel route would re-date (older than a week by its clock), and sends them when its clock agrees", async () => {
    const clock = { now: () => new Date(ORIGIN.getTime() + DAY) };
    const real = recorder();
    const skipped = await (await traffic(clock, real.transport)).tick();
    expect(skipped.skippedPixel).toBeGreaterThan(0);
    expect(real.sent.some((s) => s.url.endsWith("/ingest/pixel"))).toBe(false);

    const virtual = recorder();
    const sent = await (await traffic(clock, virtual.transport, { pixelClock: clock })).tick();
    expect(sent.skippedPixel).toBe(0);
    const pixels = virtual.sent.filter((s) => s.url.endsWith("/ingest/pixel"));
    expect(pixels).toHaveLength(skipped.skippedPixel);
    for (const p of pixels) {
      expect(p.headers.get("Content-Type")).toBe("text/plain;charset=UTF-8");
      const body = JSON.parse(p.body) as { shop: string; key: string; event: { timestamp: string } };
      expect(body).toMatchObject({ shop: DEMO_SHOP_DOMAIN, key: ingestKey });
      expect(Date.parse(body.event.timestamp)).toBeLessThanOrEqual(clock.now().getTime());
    }
  });

  it("stops at a delivery the app did not take and sends it (and what followed) on the next tick; a refusal is counted, not retried", async () => {
    const clock = { now: () => new Date(ORIGIN.getTime() + DAY) };
    const reference = recorder();
    await (await traffic(clock, reference.transport)).tick();
    const all = reference.sent.map((s) => s.body);

    let down = true;
    let calls = 0;
    const flaky = recorder((request) => {
      calls++;
      if (down && calls === 5) throw new TypeError("fetch failed");
      return new Response(null, { status: request.url.includes("checkouts") ? 400 : 200 });
    });
    const t = await traffic(clock, flaky.transport);
    const first = await t.tick();
    expect(first.sent + first.failed).toBe(4);
    expect(t.reached().getTime()).toBeLessThan(clock.now().getTime());
    down = false;
    const second = await t.tick();
    expect(second.reached).toEqual(clock.now());
    expect(second.failed).toBeGreaterThan(0); // the 400s, reported once each
    // Every delivery reached the app once, except the one that failed in flight, which went again.
    const bodies = flaky.sent.map((s) => s.body);
    expect(bodies.slice(0, 4).concat(bodies.slice(5))).toEqual(all);
    expect(bodies[4]).toBe(all[4]);
  });

  it("runs on a timer and reports how far it got after each tick, until stopped", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let now = new Date(ORIGIN.getTime() + 3_600_000);
    const progress: Date[] = [];
    const { transport } = recorder();
    const running = await startDemoTraffic(db, {
      appUrl: "http://127.0.0.1:3999",
      shopDomain: DEMO_SHOP_DOMAIN,
      apiSecret: SECRET,
      clock: { now: () => now },
      origin: ORIGIN,
      after: ORIGIN,
      customers: 40,
      transport,
      intervalMs: 1000,
      onProgress: (reached) => progress.push(reached),
    });
    await vi.waitFor(() => expect(progress).toHaveLength(1));
    expect(progress[0]).toEqual(now);
    now = new Date(now.getTime() + 3_600_000);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(progress).toHaveLength(2));
    expect(progress[1]).toEqual(now);
    await running.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(progress).toHaveLength(2);
  });
});
