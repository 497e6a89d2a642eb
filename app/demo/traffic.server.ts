import { createHmac } from "node:crypto";
import type { Db } from "../db/client.server";
import { systemClock, type Clock } from "../domain/clock";
import { plausibleTime } from "../domain/events/pixel";
import { ensurePixelIngestKey, PIXEL_INGEST_PATH } from "../models/pixel.server";
import { DEMO_CUSTOMER_COUNT, demoHistory, demoProducts } from "./history";
import { createDemoSchedule, type DemoDelivery, type DemoRates } from "./schedule";

/** How a request reaches the app: fetch over HTTP in the demo, the route modules in-process in tests. */
export type TrafficTransport = (request: Request) => Promise<Response>;

export type DemoTrafficOptions = {
  appUrl: string;
  shopDomain: string;
  /** The app's client secret: signs webhook deliveries as Shopify does. */
  apiSecret: string;
  /** The same clock the app's workers run on. */
  clock: Clock;
  /** Day 0 of the schedule (the simulated month's start; kept across restarts). */
  origin: Date;
  /** Everything delivered up to this instant was sent by an earlier run. */
  after: Date;
  seed?: number;
  rates?: Partial<DemoRates>;
  /** How many customers the seed made (they are the shoppers). */
  customers?: number;
  transport?: TrafficTransport;
  /**
   * The clock the pixel route judges event times by (the demo server's fast clock; real time by default): a
   * browser event older than a week by that clock would be re-dated to its arrival, so such events are not sent.
   */
  pixelClock?: Clock;
  /** Called after each tick with the instant everything up to which has been delivered. */
  onProgress?: (reached: Date) => void;
  log?: (message: string) => void;
};

export type TickSummary = { reached: Date; sent: number; failed: number; skippedPixel: number; topics: Record<string, number> };

/** The default traffic seed: the same month every time. */
export const DEMO_TRAFFIC_SEED = 4;

function webhookRequest(delivery: Extract<DemoDelivery, { kind: "webhook" }>, options: DemoTrafficOptions): Request {
  const body = delivery.body();
  return new Request(new URL(`/webhooks/${delivery.topic}`, options.appUrl), {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": delivery.topic,
      "X-Shopify-Shop-Domain": options.shopDomain,
      "X-Shopify-API-Version": "2026-07",
      "X-Shopify-Webhook-Id": delivery.webhookId,
      "X-Shopify-Event-Id": delivery.webhookId,
      "X-Shopify-Triggered-At": delivery.triggeredAt.toISOString(),
      "X-Shopify-Hmac-Sha256": createHmac("sha256", options.apiSecret).update(body).digest("base64"),
    },
  });
}

function pixelRequest(delivery: Extract<DemoDelivery, { kind: "pixel" }>, options: DemoTrafficOptions): Request {
  // The pixel posts text/plain (no CORS preflight) from the storefront's origin.
  return new Request(new URL(PIXEL_INGEST_PATH, options.appUrl), {
    method: "POST",
    body: delivery.body(),
    headers: { "Content-Type": "text/plain;charset=UTF-8", Origin: `https://${options.shopDomain}` },
  });
}

/**
 * The demo's stand-in for Shopify and the storefront: each tick sends what the schedule delivers between the
 * last tick and the clock's now, stamped with virtual times, signed as Shopify signs. The shop must be seeded.
 */
export async function createDemoTraffic(db: Db, options: DemoTrafficOptions) {
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: options.shopDomain }, select: { id: true } });
  const pixelIngestKey = await ensurePixelIngestKey(db, shop.id);
  const shoppers = demoHistory({ now: options.origin, customers: options.customers ?? DEMO_CUSTOMER_COUNT }).map((c) => ({
    id: c.customerId,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    subscribed: c.consent === "subscribed",
  }));
  const schedule = createDemoSchedule({
    seed: options.seed ?? DEMO_TRAFFIC_SEED,
    origin: options.origin,
    shopDomain: options.shopDomain,
    pixelIngestKey,
    shoppers,
    products: demoProducts(),
    rates: options.rates,
  });
  const transport = options.transport ?? ((request: Request) => fetch(request));
  const pixelClock = options.pixelClock ?? systemClock;
  const log = options.log ?? ((message: string) => console.warn(`demo traffic: ${message}`));
  let reached = options.after;

  async function tick(): Promise<TickSummary> {
    const upTo = options.clock.now();
    const summary: TickSummary = { reached, sent: 0, failed: 0, skippedPixel: 0, topics: {} };
    const refusals = new Map<string, number>();
    for (const delivery of schedule.between(reached, upTo)) {
      if (delivery.kind === "pixel" && plausibleTime(delivery.occurredAt, pixelClock.now()).getTime() !== delivery.occurredAt.getTime()) {
        summary.skippedPixel++;
        continue;
      }
      const request = delivery.kind === "webhook" ? webhookRequest(delivery, options) : pixelRequest(delivery, options);
      let response: Response;
      try {
        response = await transport(request);
      } catch (error) {
        // The app is not answering: stop here and send this one (and the rest) on the next tick.
        log(`${delivery.key} not delivered (${error instanceof Error ? error.message : String(error)}); retrying next tick`);
        reached = new Date(delivery.deliverAt.getTime() - 1);
        summary.reached = reached;
        return summary;
      }
      const topic = delivery.kind === "webhook" ? delivery.topic : "pixel";
      if (response.ok) {
        summary.sent++;
        summary.topics[topic] = (summary.topics[topic] ?? 0) + 1;
      } else {
        summary.failed++;
        refusals.set(`${topic} answered ${response.status}`, (refusals.get(`${topic} answered ${response.status}`) ?? 0) + 1);
      }
    }
    reached = upTo;
    summary.reached = upTo;
    // One line per tick, not per delivery: a fast clock can outrun the pixel route's rate limits.
    if (refusals.size > 0) log([...refusals].map(([what, count]) => `${what} (${count}x)`).join(", "));
    return summary;
  }

  return { tick, schedule, reached: () => reached };
}

/** Runs createDemoTraffic's tick every `intervalMs` until stopped, reporting progress after each tick. */
export async function startDemoTraffic(db: Db, options: DemoTrafficOptions & { intervalMs?: number }) {
  const traffic = await createDemoTraffic(db, options);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    running = traffic
      .tick()
      .then((summary) => options.onProgress?.(summary.reached))
      .catch((error) => console.warn("demo traffic:", error instanceof Error ? error.message : error))
      .then(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 1000);
      });
  };
  loop();
  return {
    reached: traffic.reached,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
