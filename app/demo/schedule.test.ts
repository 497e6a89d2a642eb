import { describe, expect, it } from "vitest";
import { normalizeWebhook } from "../domain/events/normalize";
import { normalizePixelEvent, pixelWireSchema, storedPixelPayload } from "../domain/events/pixel";
import { demoHistory, demoProducts } from "./history";
import { createDemoSchedule, MAX_STORY_DAYS, pixelClientIdOf, type DemoDelivery, type DemoWorld } from "./schedule";

const DAY = 86_400_000;
const ORIGIN = new Date("2031-01-10T17:23:00Z");
const dayAt = (d: number) => new Date(ORIGIN.getTime() + d * DAY);
const shoppers = demoHistory({ now: ORIGIN, customers: 80 }).map((c) => ({
  id: c.customerId,
  email: c.email,
  firstName: c.firstName,
  lastName: c.lastName,
  subscribed: c.consent === "subscribed",
}));
const world = (over: Partial<DemoWorld> = {}): DemoWorld => ({
  seed: 7,
  origin: ORIGIN,
  shopDomain: "northwind-outfitters.myshopify.com",
  pixelIngestKey: "key-1",
  shoppers,
  products: demoProducts(),
  ...over,
});
const month = createDemoSchedule(world()).between(ORIGIN, dayAt(30));
const webhooks = (list: DemoDelivery[]) => list.filter((d): d is Extract<DemoDelivery, { kind: "webhook" }> => d.kind === "webhook");
const bodyOf = (d: DemoDelivery) => d.body();
const keyOf = (d: DemoDelivery) => d.key;

describe("the demo's simulated month", () => {
  it("is the same for the same seed, bodies included, and different for another seed", () => {
    const again = createDemoSchedule(world()).between(ORIGIN, dayAt(30));
    expect(again.map(keyOf)).toEqual(month.map(keyOf));
    expect(again.map((d) => d.deliverAt.getTime())).toEqual(month.map((d) => d.deliverAt.getTime()));
    expect(again.map(bodyOf)).toEqual(month.map(bodyOf));
    const other = createDemoSchedule(world({ seed: 8 })).between(ORIGIN, dayAt(30));
    expect(other.map(bodyOf)).not.toEqual(month.map(bodyOf));
  });

  it("splits into windows without a gap or a repeat, also across a restart (a fresh schedule)", () => {
    const cuts = [0, 0.3, 4, 4.01, 11.5, 23, 30].map(dayAt);
    const pieces: DemoDelivery[] = [];
    for (let i = 1; i < cuts.length; i++) {
      // Every other window from a new instance, as a restarted demo builds it.
      const schedule = i % 2 === 0 ? createDemoSchedule(world()) : createDemoSchedule(world());
      pieces.push(...schedule.between(cuts[i - 1], cuts[i]));
    }
    expect(pieces.map(keyOf)).toEqual(month.map(keyOf));
    const one = createDemoSchedule(world());
    expect([...one.between(ORIGIN, dayAt(2)), ...one.between(dayAt(2), dayAt(30))].map(keyOf)).toEqual(month.map(keyOf));
  });

  it("delivers in time order, only inside the window, never before the month starts", () => {
    const window = createDemoSchedule(world()).between(dayAt(3), dayAt(5));
    expect(window.length).toBeGreaterThan(0);
    for (const d of window) expect(d.deliverAt > dayAt(3) && d.deliverAt <= dayAt(5)).toBe(true);
    const times = month.map((d) => d.deliverAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThan(ORIGIN.getTime());
    expect(new Set(month.map(keyOf)).size).toBe(month.length);
    expect(new Set(webhooks(month).map((d) => d.webhookId)).size).toBe(webhooks(month).length);
  });

  it("makes deliveries our normalisers accept, each stamped with virtual times no later than its delivery", () => {
    for (const d of month) {
      const result = d.kind === "webhook"
        ? normalizeWebhook(d.topic, d.body(), { triggeredAt: d.triggeredAt })
        : normalizePixelEvent(storedPixelPayload(pixelWireSchema.parse(JSON.parse(d.body())).event, d.deliverAt));
      if (!result.ok) throw new Error(`${d.key}: ${result.error}`);
      for (const event of result.value.events) {
        expect(event.occurredAt.getTime()).toBeLessThanOrEqual(d.deliverAt.getTime());
        expect(event.occurredAt.getTime()).toBeGreaterThan(ORIGIN.getTime() - DAY);
      }
      if (d.kind === "webhook") expect(d.triggeredAt.getTime()).toBeLessThanOrEqual(d.deliverAt.getTime());
    }
  });

  it("tells every story the presets care about", () => {
    const stories = new Set(month.map((d) => d.story));
    for (const story of [
      "checkout:completed", "checkout:completed_late", "checkout:late_order_webhook", "checkout:other_device", "checkout:abandoned",
      "order:fulfilled", "order:returned", "order:refunded_full", "order:refunded_partial", "signup", "opt_in", "browse",
    ]) {
      expect(stories, story).toContain(story);
    }
    const topics = new Set(webhooks(month).map((d) => d.topic));
    expect([...topics].sort()).toEqual([
      "checkouts/create", "checkouts/update", "customers/create", "customers_email_marketing_consent/update",
      "orders/create", "orders/fulfilled", "refunds/create", "returns/request",
    ]);
    const perDay = webhooks(month).filter((d) => d.topic === "checkouts/create" && d.key.endsWith(":checkout")).length / 30;
    expect(perDay).toBeGreaterThanOrEqual(12);
    expect(perDay).toBeLessThanOrEqual(18);
  });

  it("orders follow their checkout the way each story says; a late order webhook still arrives before the 4 h reminder", () => {
    const byEpisode = new Map<string, DemoDelivery[]>();
    for (const d of month) {
      const episode = d.key.split(":").slice(0, 2).join(":");
      byEpisode.set(episode, [...(byEpisode.get(episode) ?? []), d]);
    }
    let late = 0;
    for (const [episode, list] of byEpisode) {
      const checkout = webhooks(list).find((d) => d.key === `${episode}:checkout`);
      if (!checkout) continue;
      const started = checkout.triggeredAt.getTime();
      const order = webhooks(list).find((d) => d.topic === "orders/create");
      const story = checkout.story;
      if (story === "checkout:abandoned") {
        expect(order).toBeUndefined();
        continue;
      }
      if (!order) continue; // placed after the month's end
      const placed = order.triggeredAt.getTime();
      const token = (JSON.parse(order.body()) as { checkout_token: string }).checkout_token;
      const startToken = (JSON.parse(checkout.body()) as { token: string }).token;
      expect(token === startToken, episode).toBe(story !== "checkout:other_device");
      if (story === "checkout:completed") expect(placed - started).toBeLessThanOrEqual(25 * 60_000);
      if (story === "checkout:completed_late") expect(placed - started).toBeGreaterThanOrEqual(5 * 3_600_000);
      if (story === "checkout:late_order_webhook") {
        late++;
        expect(order.deliverAt.getTime() - placed).toBeGreaterThanOrEqual(90 * 60_000);
        expect(order.deliverAt.getTime()).toBeLessThan(started + 4 * 3_600_000);
      } else {
        expect(order.deliverAt.getTime()).toBe(placed);
      }
    }
    expect(late).toBeGreaterThan(0);
  });

  it("keeps each story within MAX_STORY_DAYS of its day, so a restart's look-back finds all of it", () => {
    for (const d of month) {
      const day = Number(/^d(\d+):/.exec(d.key)![1]);
      expect(d.deliverAt.getTime() - dayAt(day).getTime()).toBeLessThan(MAX_STORY_DAYS * DAY);
    }
  });

  it("opts each not-yet-subscribed customer in at most once, and signs up new people with consent", () => {
    const optIns = webhooks(month).filter((d) => d.story === "opt_in").map((d) => (JSON.parse(d.body()) as { email_address: string }).email_address);
    const unsubscribed = new Set(shoppers.filter((s) => !s.subscribed).map((s) => s.email));
    // One a day until everyone not subscribed has opted in (80 customers leave fewer than 30).
    expect(unsubscribed.size).toBeLessThan(30);
    expect(optIns).toHaveLength(unsubscribed.size);
    expect(new Set(optIns).size).toBe(unsubscribed.size);
    for (const email of optIns) expect(unsubscribed).toContain(email);
    const signups = webhooks(month).filter((d) => d.story === "signup");
    expect(signups.filter((d) => d.topic === "customers/create").length).toBe(signups.filter((d) => d.topic === "customers_email_marketing_consent/update").length);
  });

  it("ties browsers to shoppers through checkout contact info, and later browses by the same browser", () => {
    const contacts = month.filter((d) => d.key.endsWith(":contact")).map((d) => JSON.parse(d.body()).event as { clientId: string; email: string });
    const byEmail = new Map(shoppers.map((s) => [s.email, s.id]));
    for (const c of contacts.filter((c) => byEmail.has(c.email))) expect(c.clientId).toBe(pixelClientIdOf(byEmail.get(c.email)!));
    const known = new Set(contacts.map((c) => c.clientId));
    const browsing = month.filter((d) => d.story === "browse").map((d) => (JSON.parse(d.body()).event as { clientId: string }).clientId);
    expect(browsing.filter((id) => known.has(id)).length).toBeGreaterThan(browsing.length / 3);
  });

  it("scales with the rates it is given", () => {
    const quiet = createDemoSchedule(world({ rates: { checkoutsPerDay: [2, 2], subscribersPerDay: [0, 0], optInsPerDay: 0, browsingPerDay: [0, 0] } })).between(ORIGIN, dayAt(10));
    expect(webhooks(quiet).filter((d) => d.key.endsWith(":checkout")).length).toBe(20);
    expect(quiet.filter((d) => d.story === "signup" || d.story === "opt_in" || d.story === "browse")).toEqual([]);
  });
});
