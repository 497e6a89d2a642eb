/**
 * The demo's simulated shop life as a pure, deterministic schedule: for a seed and an origin, every virtual day
 * holds the same shoppers doing the same things (checkouts that convert, are abandoned, complete late or on
 * another device; fulfilments, returns and refunds; sign-ups and opt-ins; browsing), each turned into the webhook
 * deliveries and pixel posts Shopify would make, stamped with virtual times. `between(after, upTo)` lists what is
 * delivered in that window, so a restarted demo picks up exactly where it stopped.
 */
import { createHash } from "node:crypto";
import { FIRST_NAMES, LAST_NAMES } from "./catalogue";
import { DEMO_ID_BASE, type DemoProduct } from "./history";
import { seededRandom } from "./random";
import {
  checkoutPayload,
  consentUpdatePayload,
  customerCreatedPayload,
  orderCreatedPayload,
  orderFulfilledPayload,
  pixelAddedToCart,
  pixelContactInfoSubmitted,
  pixelProductViewed,
  refundPayload,
  returnRequestPayload,
  type DemoBuyer,
  type DemoLine,
  type DemoOrderInput,
} from "./shopify-payloads";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** No story lasts longer than this from its day's start (late order + shipping + return + refund). */
export const MAX_STORY_DAYS = 22;

export type DemoShopper = DemoBuyer & { subscribed: boolean };
export type DemoRates = {
  checkoutsPerDay: [number, number];
  subscribersPerDay: [number, number];
  optInsPerDay: number;
  browsingPerDay: [number, number];
};
/** A small outdoor shop's month: about 15 checkouts (two thirds converting), 3 sign-ups and 8 browsers a day. */
export const DEFAULT_DEMO_RATES: DemoRates = {
  checkoutsPerDay: [12, 18],
  subscribersPerDay: [2, 4],
  optInsPerDay: 1,
  browsingPerDay: [6, 10],
};

export type DemoWorld = {
  seed: number;
  /** Day 0 starts here; day n at origin + n days. */
  origin: Date;
  shopDomain: string;
  pixelIngestKey: string;
  shoppers: DemoShopper[];
  products: DemoProduct[];
  rates?: Partial<DemoRates>;
};

export type DemoWebhookTopic =
  | "orders/create"
  | "orders/fulfilled"
  | "checkouts/create"
  | "checkouts/update"
  | "refunds/create"
  | "returns/request"
  | "customers/create"
  | "customers_email_marketing_consent/update";

type Base = { key: string; deliverAt: Date; story: string };
export type DemoDelivery =
  | (Base & { kind: "webhook"; topic: DemoWebhookTopic; webhookId: string; triggeredAt: Date; body: () => string })
  | (Base & { kind: "pixel"; eventId: string; occurredAt: Date; body: () => string });

export type CheckoutOutcome = "completed" | "completed_late" | "late_order_webhook" | "other_device" | "abandoned";

/** A UUID-shaped id from a hash: stable for the same input, as Shopify's ids are stable for one delivery. */
function uuidOf(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const hexOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

/** The browser a shopper uses (the web pixel's client id): one per shopper. */
export function pixelClientIdOf(customerId: string): string {
  return uuidOf(`client:${customerId}`);
}

type Checkout = { k: number; at: Date; shopper: DemoShopper; lines: DemoLine[]; token: string; outcome: CheckoutOutcome };

/** How checkouts end: 45 % paid at once, 10 % hours later, 7 % with a late order webhook, 8 % on another device. */
const OUTCOMES: Array<{ outcome: CheckoutOutcome; below: number }> = [
  { outcome: "completed", below: 0.45 },
  { outcome: "completed_late", below: 0.55 },
  { outcome: "late_order_webhook", below: 0.62 },
  { outcome: "other_device", below: 0.7 },
];
/** Minutes from the checkout's start to the order, per outcome. */
const ORDER_DELAY_MINUTES: Record<Exclude<CheckoutOutcome, "abandoned">, [number, number]> = {
  completed: [2, 25],
  completed_late: [5 * 60, 60 * 60],
  late_order_webhook: [15, 60],
  other_device: [60, 30 * 60],
};

/** The schedule for one world; days are built on demand and kept while they can still deliver something. */
export function createDemoSchedule(world: DemoWorld) {
  const rates = { ...DEFAULT_DEMO_RATES, ...world.rates };
  const origin = world.origin.getTime();
  const dayStart = (d: number) => origin + d * DAY;
  const random = (d: number, stage: number) => seededRandom(Math.imul(world.seed ^ 0x5bd1e995, 31) + d * 7919 + stage * 104729);
  const at = (ms: number) => new Date(Math.round(ms / 1000) * 1000);

  const signups = new Map<number, DemoShopper[]>();
  function subscribersOf(d: number): DemoShopper[] {
    let list = signups.get(d);
    if (!list) {
      const r = random(d, 1);
      list = Array.from({ length: r.int(...rates.subscribersPerDay) }, (_, i) => {
        const firstName = r.pick(FIRST_NAMES);
        const lastName = r.pick(LAST_NAMES);
        const id = (DEMO_ID_BASE + 200_000n + BigInt(d) * 100n + BigInt(i)).toString();
        return { id, firstName, lastName, email: `${firstName}.${lastName}.d${d}n${i}@example.com`.toLowerCase(), subscribed: true };
      });
      signups.set(d, list);
    }
    return list;
  }
  const pools: DemoShopper[][] = [world.shoppers];
  /** Who may shop on day d: the seeded customers and everyone who signed up on an earlier day. */
  function poolOf(d: number): DemoShopper[] {
    while (pools.length <= d) pools.push([...pools[pools.length - 1], ...subscribersOf(pools.length - 1)]);
    return pools[d];
  }

  // Opt-ins walk through the not-yet-subscribed customers in a fixed order, so nobody opts in twice.
  const optInOrder = world.shoppers.filter((s) => !s.subscribed);
  const shuffle = random(-1, 2);
  for (let i = optInOrder.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle.next() * (i + 1));
    [optInOrder[i], optInOrder[j]] = [optInOrder[j], optInOrder[i]];
  }

  const checkoutDays = new Map<number, Checkout[]>();
  function checkoutsOf(d: number): Checkout[] {
    let list = checkoutDays.get(d);
    if (!list) {
      const r = random(d, 3);
      const pool = poolOf(d);
      list = Array.from({ length: Math.min(99, r.int(...rates.checkoutsPerDay)) }, (_, k) => {
        const products = Array.from({ length: r.int(1, 3) }, () => r.pick(world.products));
        const lines = [...new Set(products)].map((p) => ({
          productId: p.shopifyProductId,
          variantId: p.variantId,
          title: p.title,
          priceMinor: p.priceMinor,
          quantity: r.chance(0.8) ? 1 : 2,
        }));
        const roll = r.next();
        const outcome = OUTCOMES.find((o) => roll < o.below)?.outcome ?? "abandoned";
        const token = hexOf(`${world.seed}:${d}:${k}:checkout`);
        return { k, at: at(dayStart(d) + r.next() * DAY), shopper: r.pick(pool), lines, token, outcome };
      });
      checkoutDays.set(d, list);
    }
    return list;
  }

  const days = new Map<number, DemoDelivery[]>();
  function deliveriesOf(d: number): DemoDelivery[] {
    const cached = days.get(d);
    if (cached) return cached;
    const out: DemoDelivery[] = [];
    const webhook: Webhook = (key, story, topic, when, body, deliverAt = when) => {
      const webhookId = uuidOf(`${world.seed}:${key}`);
      out.push({ kind: "webhook", key, story, topic, deliverAt, triggeredAt: when, webhookId, body });
    };
    const pixel = (key: string, story: string, shopper: DemoShopper, when: Date, body: (common: PixelCommon) => string) => {
      const eventId = `sh-${uuidOf(`${world.seed}:${key}`)}`;
      const clientId = pixelClientIdOf(shopper.id);
      const common = { eventId, at: when, clientId, shopDomain: world.shopDomain, ingestKey: world.pixelIngestKey };
      out.push({ kind: "pixel", key, story, deliverAt: when, occurredAt: when, eventId, body: () => body(common) });
    };
    const checkoutBody = (token: string, c: Checkout, times: { createdAt: Date; updatedAt?: Date; completedAt?: Date }) => () =>
      checkoutPayload(token, c.shopper, c.lines, times, world.shopDomain);
    const r = random(d, 4);

    subscribersOf(d).forEach((shopper, i) => {
      const when = at(dayStart(d) + r.next() * DAY);
      webhook(`d${d}:s${i}:create`, "signup", "customers/create", when, () => customerCreatedPayload(shopper, when));
      const consentAt = new Date(when.getTime() + 5000);
      const consent = () => consentUpdatePayload(shopper, consentAt, "subscribed");
      webhook(`d${d}:s${i}:consent`, "signup", "customers_email_marketing_consent/update", consentAt, consent);
    });
    for (let j = 0; j < rates.optInsPerDay; j++) {
      const shopper = optInOrder[d * rates.optInsPerDay + j];
      if (!shopper) break;
      const when = at(dayStart(d) + r.next() * DAY);
      const consent = () => consentUpdatePayload(shopper, when, "subscribed");
      webhook(`d${d}:o${j}:consent`, "opt_in", "customers_email_marketing_consent/update", when, consent);
    }

    for (const c of checkoutsOf(d)) {
      const key = `d${d}:c${c.k}`;
      const story = `checkout:${c.outcome}`;
      const base = DEMO_ID_BASE + 20_000_000_000n + BigInt(d) * 1_000_000n + BigInt(c.k) * 1000n;
      // Browsing into the checkout; the typed-in email ties this browser to the shopper for later visits.
      c.lines.forEach((line, i) => {
        const product = world.products.find((p) => p.shopifyProductId === line.productId)!;
        const minutesBefore = (m: number) => at(c.at.getTime() - m * MINUTE);
        pixel(`${key}:view${i}`, story, c.shopper, minutesBefore(12 - i * 3), (p) => pixelProductViewed(p, product));
        pixel(`${key}:cart${i}`, story, c.shopper, minutesBefore(10 - i * 3), (p) => pixelAddedToCart(p, product, line.quantity));
      });
      const contact = (p: PixelCommon) => pixelContactInfoSubmitted(p, c.token, c.shopper.email);
      pixel(`${key}:contact`, story, c.shopper, at(c.at.getTime() + MINUTE), contact);
      webhook(`${key}:checkout`, story, "checkouts/create", c.at, checkoutBody(c.token, c, { createdAt: c.at }));
      if (c.outcome === "abandoned") continue;

      const [fewest, most] = ORDER_DELAY_MINUTES[c.outcome];
      const placedAt = at(c.at.getTime() + r.int(fewest, most) * MINUTE);
      const token = c.outcome === "other_device" ? hexOf(`${world.seed}:${d}:${c.k}:other-device`) : c.token;
      const order: DemoOrderInput = {
        orderId: base.toString(),
        orderNumber: 10_000 + d * 100 + c.k,
        customer: c.shopper,
        lines: c.lines,
        placedAt,
        checkoutToken: token,
        lineIdBase: base + 10n,
      };
      // On another device the shopper starts a second checkout (its own token) minutes before paying.
      const startedAt = c.outcome === "other_device" ? at(placedAt.getTime() - r.int(3, 10) * MINUTE) : c.at;
      if (c.outcome === "other_device") {
        webhook(`${key}:checkout2`, story, "checkouts/create", startedAt, checkoutBody(token, c, { createdAt: startedAt }));
      }
      // Shopify does deliver late: here the order arrives 1.5-2.5 h after it was placed, still before the 4 h reminder.
      const orderDeliveredAt = c.outcome === "late_order_webhook" ? at(placedAt.getTime() + r.int(90, 150) * MINUTE) : placedAt;
      webhook(`${key}:order`, story, "orders/create", placedAt, () => orderCreatedPayload(order), orderDeliveredAt);
      // With a late order, the checkout's own completion comes on time in half the cases: either ends the reminders.
      if (c.outcome !== "late_order_webhook" || r.chance(0.5)) {
        const completedAt = at(placedAt.getTime() + MINUTE);
        const completed = checkoutBody(token, c, { createdAt: startedAt, updatedAt: completedAt, completedAt });
        webhook(`${key}:completed`, story, "checkouts/update", completedAt, completed);
      }
      afterOrder(key, order, base, r, webhook);
    }

    const lastWeek = Array.from({ length: 7 }, (_, i) => d - 1 - i).filter((x) => x >= 0);
    const recent = [...new Set(lastWeek.flatMap((x) => checkoutsOf(x).map((c) => c.shopper)))];
    const browsing = random(d, 5);
    const sessions = browsing.int(...rates.browsingPerDay);
    for (let b = 0; b < sessions; b++) {
      // Mostly shoppers who checked out on this browser lately (so the pixel knows them), some not known yet.
      const shopper = recent.length > 0 && browsing.chance(0.6) ? browsing.pick(recent) : browsing.pick(poolOf(d));
      const start = dayStart(d) + browsing.next() * DAY;
      const viewed = Array.from({ length: browsing.int(1, 3) }, () => browsing.pick(world.products));
      viewed.forEach((product, i) => {
        pixel(`d${d}:b${b}:view${i}`, "browse", shopper, at(start + i * 2 * MINUTE), (p) => pixelProductViewed(p, product));
      });
      if (browsing.chance(0.25)) {
        const when = at(start + viewed.length * 2 * MINUTE);
        pixel(`d${d}:b${b}:cart`, "browse", shopper, when, (p) => pixelAddedToCart(p, viewed[0], 1));
      }
    }
    out.sort((a, b) => a.deliverAt.getTime() - b.deliverAt.getTime() || (a.key < b.key ? -1 : 1));
    days.set(d, out);
    return out;
  }

  return {
    world,
    /** Deliveries with after < deliverAt <= upTo, in delivery order. */
    between(after: Date, upTo: Date): DemoDelivery[] {
      const first = Math.max(0, Math.floor((after.getTime() - origin) / DAY) - MAX_STORY_DAYS);
      const last = Math.floor((upTo.getTime() - origin) / DAY);
      for (const d of days.keys()) if (d < first) days.delete(d);
      for (const d of checkoutDays.keys()) if (d < first - 7) checkoutDays.delete(d);
      const due: DemoDelivery[] = [];
      for (let d = first; d <= last; d++) {
        for (const delivery of deliveriesOf(d)) {
          const t = delivery.deliverAt.getTime();
          if (t > after.getTime() && t <= upTo.getTime()) due.push(delivery);
        }
      }
      return due.sort((a, b) => a.deliverAt.getTime() - b.deliverAt.getTime() || (a.key < b.key ? -1 : 1));
    },
  };
}

type PixelCommon = { eventId: string; at: Date; clientId: string; shopDomain: string; ingestKey: string };
type Webhook = (key: string, story: string, topic: DemoWebhookTopic, when: Date, body: () => string, deliverAt?: Date) => void;

/** What happens to an order after it is placed: shipping, sometimes a return, sometimes a refund (full or partial). */
function afterOrder(key: string, order: DemoOrderInput, base: bigint, r: ReturnType<typeof seededRandom>, webhook: Webhook) {
  const at = (ms: number) => new Date(Math.round(ms / 1000) * 1000);
  if (!r.chance(0.95)) return; // still waiting to ship at the end of the story
  const fulfilledAt = at(order.placedAt.getTime() + r.int(18, 72) * HOUR);
  const fulfillment = { fulfillmentId: (base + 20n).toString(), fulfilledAt, trackingNumber: `1Z${base.toString().slice(-12)}` };
  webhook(`${key}:fulfilled`, "order:fulfilled", "orders/fulfilled", fulfilledAt, () => orderFulfilledPayload(order, fulfillment));
  const refund = (refundedAt: Date, lineIndexes: number[], note: string) => () =>
    refundPayload(order, { refundId: (base + 30n).toString(), at: refundedAt, lineIndexes, idBase: base + 100n, note });
  const roll = r.next();
  if (roll < 0.1) {
    const requestedAt = at(fulfilledAt.getTime() + r.int(3, 10) * DAY);
    const request = { returnId: (base + 300n).toString(), quantity: order.lines.reduce((n, l) => n + l.quantity, 0) };
    webhook(`${key}:return`, "order:returned", "returns/request", requestedAt, () => returnRequestPayload(order, request));
    const refundedAt = at(requestedAt.getTime() + r.int(2, 5) * DAY);
    const full = order.lines.length === 1 || r.chance(0.6);
    const lines = full ? order.lines.map((_, i) => i) : [0];
    const story = full ? "order:refunded_full" : "order:refunded_partial";
    webhook(`${key}:refund`, story, "refunds/create", refundedAt, refund(refundedAt, lines, "Returned by the customer"));
  } else if (roll < 0.15 && order.lines.length > 1) {
    const refundedAt = at(fulfilledAt.getTime() + r.int(1, 7) * DAY);
    const lines = [order.lines.length - 1];
    webhook(`${key}:refund`, "order:refunded_partial", "refunds/create", refundedAt, refund(refundedAt, lines, "Arrived damaged"));
  }
}
