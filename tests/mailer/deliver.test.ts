import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../app/db/client.server";
import { deliverQueued, queueMessage, type DeliverOptions } from "../../app/models/messages.server";
import { ensureShop } from "../../app/models/shop.server";
import { createSendRateLimiter } from "../../app/services/mailer/rate-limiter.server";
import { batchRequestKey, createResendMailer, type ResendMailerOptions } from "../../app/services/mailer/resend.server";
import type { Mailer } from "../../app/services/mailer/types";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startFakeResend, type FakeResend } from "../helpers/fake-resend";

const T0 = new Date("2026-11-24T12:00:00Z");
const LATER = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

function resend(options: Partial<ResendMailerOptions> = {}): Mailer {
  return createResendMailer({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    rateLimiter: createSendRateLimiter({ requestsPerSecond: 1000 }),
    timeoutMs: 2_000,
    baseDelayMs: 10,
    maxDelayMs: 50,
    ...options,
  });
}

describe.each(["sqlite", "postgresql"] as const)("message delivery on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  let shopCount = 0;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    db = database.prisma;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  /** A fresh shop with a sender address and `count` queued messages (optionally in another shop's name). */
  async function seed(count: number, label = "shop") {
    const shop = await ensureShop(db, `${label}-${provider}-${++shopCount}.myshopify.com`);
    await db.shopSettings.update({ where: { shopId: shop.id }, data: { senderName: "Northwind", senderEmail: "hello@northwind.example" } });
    const profile = await db.profile.create({ data: { shopId: shop.id, email: "p@example.com", emailConsent: "subscribed" } });
    const flow = await db.flow.create({ data: { shopId: shop.id, name: "Welcome" } });
    const queue = (i: number, toEmail = `person${i}@example.com`) =>
      queueMessage(db, {
        shopId: shop.id,
        profileId: profile.id,
        flowId: flow.id,
        idempotencyKey: `run${i}:welcome:1:`,
        toEmail,
        subject: `Welcome ${i}`,
        html: `<p>Welcome ${i}</p>`,
        text: `Welcome ${i}`,
        notBefore: T0,
      });
    for (let i = 0; i < count; i++) await queue(i);
    return { shop, profile, queue };
  }

  const rows = (shopId: string) => db.message.findMany({ where: { shopId }, orderBy: { toEmail: "asc" } });
  const deliver = (mailer: Mailer, shopId: string, now = T0, extra: Partial<DeliverOptions> = {}) =>
    deliverQueued(db, mailer, { shopId, limit: 1000, now, ...extra });

  it("queues a message once per idempotency key, and says when it already was", async () => {
    const { shop, profile } = await seed(0);
    const input = { shopId: shop.id, profileId: profile.id, idempotencyKey: "run:s:1:A", toEmail: " Mixed@Example.COM ", subject: "Hi", html: "<p>Hi</p>", text: "Hi" };
    const first = await queueMessage(db, input);
    const again = await db.$transaction((tx) => queueMessage(tx, { ...input, subject: "Changed" }));
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, message: first.message });
    expect(first.message).toMatchObject({ status: "queued", toEmail: "mixed@example.com" });
    const racing = await Promise.all(Array.from({ length: 5 }, () => queueMessage(db, { ...input, idempotencyKey: "run:s:1:B" })));
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.message.id)).size).toBe(1);
    await db.message.deleteMany({ where: { shopId: shop.id } }); // later tests deliver every shop's queue
  });

  it("sends queued messages in batches of 100 and records Resend's ids", async () => {
    const { shop } = await seed(130);
    const summary = await deliver(resend(), shop.id);
    expect(summary).toEqual({ sent: 130, failed: 0, retried: 0, suppressed: 0, lost: 0 });
    expect(fake.requests.map((r) => [r.path, r.emails])).toEqual([
      ["/emails/batch", 100],
      ["/emails/batch", 30],
    ]);
    const sent = await rows(shop.id);
    const ids = new Map(fake.delivered.map((d) => [d.to[0], d.id]));
    for (const m of sent) {
      expect(m).toMatchObject({ status: "sent", provider: "resend", sentAt: T0, error: null });
      expect(m.providerMessageId).toBe(ids.get(m.toEmail));
    }
    expect(fake.delivered[0]).toMatchObject({ from: '"Northwind" <hello@northwind.example>' });
    expect(fake.delivered[0].tags.map((t) => t.name)).toEqual(["message_id", "flow_id"]);
    expect(await deliver(resend(), shop.id, LATER(1))).toEqual({ sent: 0, failed: 0, retried: 0, suppressed: 0, lost: 0 });
    // The dashboard counter moved with the messages, once.
    const counted = await db.dailyRollup.aggregate({ where: { shopId: shop.id, metric: "sent" }, _sum: { value: true } });
    expect(counted._sum.value).toBe(130n);
  });

  it("never sends to an address on the shop's suppression list", async () => {
    const { shop, queue } = await seed(3);
    await queue(9, "Unsubscribed@Example.com");
    await db.suppression.create({ data: { shopId: shop.id, email: "unsubscribed@example.com", reason: "unsubscribe" } });
    const other = await seed(0, "other");
    await other.queue(1, "unsubscribed@example.com"); // suppressed in the first shop only
    const summary = await deliver(resend(), shop.id);
    expect(summary).toMatchObject({ sent: 3, failed: 1, suppressed: 1 });
    expect(await db.message.findFirst({ where: { shopId: shop.id, toEmail: "unsubscribed@example.com" } })).toMatchObject({
      status: "failed",
      error: "suppressed",
    });
    expect(fake.delivered.map((d) => d.to[0])).not.toContain("unsubscribed@example.com");
    expect(await deliver(resend(), other.shop.id)).toMatchObject({ sent: 1, suppressed: 0 });
  });

  it("does not email an address suppressed while its batch waited for a retry", async () => {
    const { shop } = await seed(3);
    fake.rateLimited(1, 120); // a long wait: the batch goes back to the queue
    expect(await deliver(resend(), shop.id)).toMatchObject({ retried: 3 });
    expect((await rows(shop.id))[0].queuedAt.getTime()).toBeGreaterThanOrEqual(T0.getTime() + 120_000);
    await db.suppression.create({ data: { shopId: shop.id, email: "person1@example.com", reason: "unsubscribe" } });
    expect(await deliver(resend(), shop.id, LATER(1))).toMatchObject({ sent: 2, suppressed: 1 });
    expect(fake.delivered.map((d) => d.to[0]).sort()).toEqual(["person0@example.com", "person2@example.com"]);
  });

  it("does not email a profile whose consent was withdrawn after its message was queued", async () => {
    const { shop, profile, queue } = await seed(0);
    const withdrawn = await db.profile.create({ data: { shopId: shop.id, email: "left@example.com", emailConsent: "subscribed" } });
    await queue(1);
    await queueMessage(db, { shopId: shop.id, profileId: withdrawn.id, idempotencyKey: "run-left:welcome:1:", toEmail: "left@example.com", subject: "Hi", html: "<p>Hi</p>", text: "Hi", notBefore: T0 });
    await db.profile.update({ where: { id: withdrawn.id }, data: { emailConsent: "unsubscribed" } });
    expect(await deliver(resend(), shop.id)).toMatchObject({ sent: 1, failed: 1 });
    expect(await db.message.findFirst({ where: { profileId: withdrawn.id } })).toMatchObject({ status: "failed", error: "no email marketing consent" });
    expect(fake.delivered.map((d) => d.to[0])).toEqual(["person1@example.com"]);
    expect(profile.emailConsent).toBe("subscribed");
  });

  it("fails messages of a shop without a sender address, unless a default sender is given", async () => {
    const { shop } = await seed(2);
    await db.shopSettings.update({ where: { shopId: shop.id }, data: { senderEmail: null } });
    expect(await deliver(resend(), shop.id, T0, { defaultFrom: "Shop Flows <noreply@shopflows.example>" })).toMatchObject({ sent: 2 });
    expect(fake.delivered[0].from).toBe("Shop Flows <noreply@shopflows.example>");
    const other = await seed(1);
    await db.shopSettings.update({ where: { shopId: other.shop.id }, data: { senderEmail: null } });
    expect(await deliver(resend(), other.shop.id)).toMatchObject({ sent: 0, failed: 1 });
    expect((await rows(other.shop.id))[0]).toMatchObject({ status: "failed", error: "no sender address: set one in Settings" });
  });

  it("fails a message Resend refuses with Resend's reason, and sends the rest", async () => {
    const { shop, queue } = await seed(2);
    await queue(5, "blocked@example.com");
    fake.reject("blocked@example.com", "This address is on Resend's suppression list.");
    expect(await deliver(resend(), shop.id)).toMatchObject({ sent: 2, failed: 1 });
    expect(await db.message.findFirst({ where: { shopId: shop.id, toEmail: "blocked@example.com" } })).toMatchObject({
      status: "failed",
      provider: "resend",
      error: "This address is on Resend's suppression list.",
      providerMessageId: null,
    });
  });

  it("re-sends a batch whose outcome was unknown whole, under the same key: delivered once", async () => {
    const { shop, queue } = await seed(5);
    fake.script({ kind: "slow", delayMs: 600 });
    const impatient = resend({ timeoutMs: 150, maxAttempts: 1 });
    expect(await deliver(impatient, shop.id)).toMatchObject({ sent: 0, retried: 5 });
    const waiting = await rows(shop.id);
    expect(new Set(waiting.map((m) => m.providerMessageId)).size).toBe(1);
    for (const m of waiting) {
      expect(m).toMatchObject({ status: "queued", error: expect.stringMatching(/^retry 1: Resend network/) });
      expect(m.queuedAt.getTime()).toBeGreaterThan(T0.getTime());
    }
    expect(await deliver(impatient, shop.id, T0)).toMatchObject({ sent: 0, retried: 0 }); // not due yet
    await fake.settle();
    expect(fake.delivered).toHaveLength(5); // Resend did send them, the answer came too late

    await queue(6); // a newcomer never joins the batch in flight
    expect(await deliver(resend(), shop.id, LATER(2))).toMatchObject({ sent: 6, retried: 0 });
    expect(fake.delivered).toHaveLength(6);
    const keys = fake.requests.map((r) => r.requestKey);
    expect(keys.filter((k) => k === fake.delivered[0].requestKey).length).toBeGreaterThanOrEqual(2);
    expect(fake.requests.at(-2)).toMatchObject({ replayed: true, status: 200 });
    const ids = new Map(fake.delivered.map((d) => [d.to[0], d.id]));
    for (const m of await rows(shop.id)) expect(m.providerMessageId).toBe(ids.get(m.toEmail));
  });

  it("takes over the batch of a worker that died mid-send once its lease passed, without a second send", async () => {
    const { shop } = await seed(4);
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const dying: Mailer = {
      name: "resend",
      maxBatchSize: 100,
      send: async (batch) => {
        const results = await resend().send(batch);
        await hung; // the process "dies" after Resend accepted the batch
        return results;
      },
    };
    const first = deliver(dying, shop.id, T0, { leaseMs: 60_000 });
    await expect.poll(() => fake.delivered.length).toBe(4);
    expect(await deliver(resend(), shop.id, new Date(T0.getTime() + 30_000))).toMatchObject({ sent: 0 }); // lease held
    expect(await deliver(resend(), shop.id, new Date(T0.getTime() + 61_000))).toMatchObject({ sent: 4 });
    release();
    expect(await first).toMatchObject({ sent: 0, lost: 4 });
    expect(fake.delivered).toHaveLength(4);
    expect((await rows(shop.id)).every((m) => m.status === "sent")).toBe(true);
  });

  it("gives up on a message after maxAttempts and fails it with the last reason", async () => {
    const { shop } = await seed(2);
    fake.serverErrors(10);
    const flaky = resend({ maxAttempts: 1 });
    let now = T0;
    for (let round = 0; round < 3; round++) {
      await deliver(flaky, shop.id, now, { maxAttempts: 3 });
      now = LATER(round + 2);
    }
    for (const m of await rows(shop.id)) {
      expect(m).toMatchObject({ status: "failed", error: expect.stringMatching(/^gave up after 3 attempts: Resend 500/) });
    }
    expect(fake.delivered).toHaveLength(0);
  });

  it("ends every message sent or failed, none sent twice, through 429s, 500s, timeouts and dropped connections", async () => {
    const a = await seed(70, "chaos-a");
    const b = await seed(45, "chaos-b");
    await a.queue(100, "refused@example.com");
    await b.queue(101, "gone@example.com");
    await db.suppression.create({ data: { shopId: b.shop.id, email: "gone@example.com", reason: "bounce" } });
    fake.reject("refused@example.com", "Invalid recipient.");
    fake.script(
      { kind: "status", status: 429, retryAfterSeconds: 0 },
      { kind: "slow", delayMs: 400 },
      { kind: "status", status: 500 },
      { kind: "drop" },
      { kind: "status", status: 503 },
      { kind: "status", status: 500 },
      { kind: "slow", delayMs: 300 },
    );
    const mailer = resend({ timeoutMs: 150, maxAttempts: 2 });
    const shops = [a.shop.id, b.shop.id];
    let now = T0;
    for (let round = 0; round < 12; round++) {
      await deliverQueued(db, mailer, { limit: 40, now });
      await fake.settle();
      const open = await db.message.count({ where: { shopId: { in: shops }, status: "queued" } });
      if (open === 0) break;
      now = LATER(round + 2);
    }
    const all = await db.message.findMany({ where: { shopId: { in: shops } } });
    expect(all).toHaveLength(117);
    expect(all.filter((m) => m.status !== "sent" && m.status !== "failed")).toEqual([]);
    expect(all.filter((m) => m.status === "failed").map((m) => [m.toEmail, m.error]).sort()).toEqual([
      ["gone@example.com", "suppressed"],
      ["refused@example.com", "Invalid recipient."],
    ]);
    // Each delivered email names its Message row in a tag: no row went out twice, and every sent row went out.
    const deliveredRows = fake.delivered.map((d) => d.tags.find((t) => t.name === "message_id")?.value);
    expect(new Set(deliveredRows).size).toBe(deliveredRows.length);
    expect(deliveredRows.sort()).toEqual(all.filter((m) => m.status === "sent").map((m) => m.id).sort());
    const sentIds = all.filter((m) => m.status === "sent").map((m) => m.providerMessageId).sort();
    expect(sentIds).toEqual(fake.delivered.map((d) => d.id).sort());
    expect(fake.requests.some((r) => r.replayed)).toBe(true);
  });

  it("lets two workers deliver at once without sending any message twice", async () => {
    const { shop } = await seed(150);
    const second = createPrismaClient(database.url);
    try {
      const [x, y] = await Promise.all([
        deliverQueued(db, resend(), { shopId: shop.id, limit: 60, now: T0 }),
        deliverQueued(second, resend(), { shopId: shop.id, limit: 60, now: T0 }),
      ]);
      const rest = await deliver(resend(), shop.id);
      expect(x.sent + y.sent + rest.sent).toBe(150);
    } finally {
      await second.$disconnect();
    }
    const to = fake.delivered.map((d) => d.to[0]);
    expect(new Set(to).size).toBe(150);
    expect(to).toHaveLength(150);
    expect((await rows(shop.id)).every((m) => m.status === "sent")).toBe(true);
  });

  it("records outbox sends with their HTML and text, and never re-sends what was sent", async () => {
    const { shop } = await seed(2);
    const { createOutboxMailer } = await import("../../app/services/mailer/outbox.server");
    expect(await deliver(createOutboxMailer(), shop.id)).toMatchObject({ sent: 2 });
    for (const m of await rows(shop.id)) {
      expect(m).toMatchObject({ status: "sent", provider: "outbox", html: expect.stringContaining("<p>Welcome"), text: expect.any(String) });
      expect(m.providerMessageId).toMatch(/^outbox_/);
    }
    expect(fake.requests).toHaveLength(0);
    expect(batchRequestKey([{ shopId: shop.id, idempotencyKey: "x" }])).toMatch(/^batch\//);
  });
});
