import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, Message } from "../../app/db/client.server";
import type { MessagePreparer, PrepareResult } from "../../app/models/message-prepare.server";
import { deliverQueued, queueMessage } from "../../app/models/messages.server";
import { ensureShop } from "../../app/models/shop.server";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import type { Mailer, OutgoingEmail } from "../../app/services/mailer/types";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// Content rendered at delivery: queued rows carry no HTML; the preparer fills them in just before the first send.
const T0 = new Date("2026-11-24T12:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** The outbox mailer, remembering what it was handed. */
function recordingMailer(): Mailer & { sent: OutgoingEmail[] } {
  const outbox = createOutboxMailer();
  const sent: OutgoingEmail[] = [];
  return { name: outbox.name, maxBatchSize: 100, sent, send: async (batch) => (sent.push(...batch), outbox.send(batch)) };
}

describe.each(["sqlite", "postgresql"] as const)("preparing content at delivery on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    db = database.prisma;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  async function seed(emails: string[]) {
    const shop = await ensureShop(db, `prepare-${provider}-${++n}.myshopify.com`);
    await db.shopSettings.update({ where: { shopId: shop.id }, data: { senderEmail: "hello@northwind.example" } });
    const profile = await db.profile.create({ data: { shopId: shop.id, email: "p@example.com", emailConsent: "subscribed" } });
    for (const [i, toEmail] of emails.entries()) {
      await queueMessage(db, { shopId: shop.id, profileId: profile.id, idempotencyKey: `k${i}`, toEmail, subject: "{{ subject }}", html: null, text: null, notBefore: T0 });
    }
    return shop;
  }

  const byEmail = (shopId: string) => db.message.findMany({ where: { shopId }, orderBy: { toEmail: "asc" } });

  it("renders once, stores the content, and sends what it stored", async () => {
    const shop = await seed(["a@example.com", "b@example.com"]);
    const calls: string[][] = [];
    const prepare: MessagePreparer = async (messages) => {
      calls.push(messages.map((m) => m.toEmail));
      return messages.map((m): PrepareResult => ({ status: "ready", content: { subject: `Hi ${m.toEmail}`, html: `<p>${m.toEmail}</p>`, text: m.toEmail, discountCode: `CODE-${m.toEmail[0]}` } }));
    };
    const mailer = recordingMailer();
    const summary = await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: T0, prepare });
    expect(summary).toMatchObject({ sent: 2, failed: 0, retried: 0 });
    expect(calls).toEqual([["a@example.com", "b@example.com"]]);
    expect(mailer.sent.map((e) => [e.subject, e.html, e.text])).toEqual([
      ["Hi a@example.com", "<p>a@example.com</p>", "a@example.com"],
      ["Hi b@example.com", "<p>b@example.com</p>", "b@example.com"],
    ]);
    const rows = await byEmail(shop.id);
    expect(rows.map((r) => [r.status, r.subject, r.discountCode])).toEqual([
      ["sent", "Hi a@example.com", "CODE-a"],
      ["sent", "Hi b@example.com", "CODE-b"],
    ]);
  });

  it("re-sends a batch that was prepared before a crash without preparing it again", async () => {
    const shop = await seed(["a@example.com"]);
    let prepared = 0;
    const prepare: MessagePreparer = async (messages) => {
      prepared += messages.length;
      return messages.map(() => ({ status: "ready", content: { subject: "S", html: "<p>x</p>", text: "x", discountCode: null } }));
    };
    // The first worker prepares, then dies inside send (its lease of 1 minute passes).
    const dying: Mailer = { name: "resend", maxBatchSize: 100, send: () => new Promise<never>(() => {}) };
    void deliverQueued(db, dying, { shopId: shop.id, limit: 10, now: T0, prepare, leaseMs: 60_000 });
    await expect.poll(async () => (await byEmail(shop.id))[0].html).toBe("<p>x</p>");
    const mailer = recordingMailer();
    const summary = await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: at(2), prepare });
    expect(summary.sent).toBe(1);
    expect(prepared).toBe(1);
    expect(mailer.sent[0].html).toBe("<p>x</p>");
  });

  it("puts back what cannot be prepared yet, fails what never can, and sends the rest", async () => {
    const shop = await seed(["later@example.com", "never@example.com", "ok@example.com"]);
    const outcome = (m: Message): PrepareResult =>
      m.toEmail.startsWith("later")
        ? { status: "retry", afterMs: 5 * 60_000, reason: "discount: THROTTLED" }
        : m.toEmail.startsWith("never")
          ? { status: "failed", reason: "template: unknown variable" }
          : { status: "ready", content: { subject: "S", html: "<p>ok</p>", text: "ok", discountCode: null } };
    const mailer = recordingMailer();
    const summary = await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: T0, prepare: async (ms) => ms.map(outcome) });
    expect(summary).toMatchObject({ sent: 1, failed: 1, retried: 1 });
    const [later, never, ok] = await byEmail(shop.id);
    expect([later.status, later.error, later.html, later.queuedAt.toISOString()]).toEqual(["queued", "retry 1: discount: THROTTLED", null, at(5).toISOString()]);
    expect([never.status, never.error]).toEqual(["failed", "template: unknown variable"]);
    expect(ok.status).toBe("sent");

    // Before its time nothing happens; after it, it is prepared and sent.
    expect((await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: at(4), prepare: async (ms) => ms.map(outcome) })).sent).toBe(0);
    const ready = async (ms: Message[]) => ms.map((): PrepareResult => ({ status: "ready", content: { subject: "S", html: "<p>now</p>", text: "now", discountCode: "C" } }));
    expect((await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: at(5), prepare: ready })).sent).toBe(1);
  });

  it("gives up after the attempts, and a throwing preparer only delays", async () => {
    const shop = await seed(["x@example.com"]);
    const mailer = recordingMailer();
    let now = T0;
    for (let i = 0; i < 3; i++) {
      await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now, maxAttempts: 3, retryBaseMs: 1000, prepare: async () => { throw new Error("db down"); } });
      now = new Date(now.getTime() + 3_600_000);
    }
    const [row] = await byEmail(shop.id);
    expect(row.status).toBe("failed");
    expect(row.error).toBe("gave up after 3 attempts: preparing content failed: db down");
    expect(mailer.sent).toEqual([]);
  });

  it("never prepares (nor creates a discount for) a suppressed address", async () => {
    const shop = await seed(["blocked@example.com"]);
    await db.suppression.create({ data: { shopId: shop.id, email: "blocked@example.com", reason: "bounce" } });
    let called = 0;
    const summary = await deliverQueued(db, recordingMailer(), { shopId: shop.id, limit: 10, now: T0, prepare: async (ms) => ((called += ms.length), []) });
    expect(summary).toMatchObject({ failed: 1, suppressed: 1 });
    expect(called).toBe(0);
  });

  it("without a preparer, a message without content is refused as before", async () => {
    const shop = await seed(["x@example.com"]);
    await deliverQueued(db, recordingMailer(), { shopId: shop.id, limit: 10, now: T0 });
    expect((await byEmail(shop.id))[0]).toMatchObject({ status: "failed", error: "nothing to send: no HTML or text" });
  });
});
