// POST /webhooks/resend, signed the way Resend signs (Svix), against real messages; and what a bounce means for the
// next send. Imported by resend-webhook.test.ts (SQLite) and resend-webhook.postgresql.test.ts (PostgreSQL).
import { randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { env } from "../../app/env.server";
import { deliverQueued, queueMessage } from "../../app/models/messages.server";
import * as webhookRoute from "../../app/routes/webhooks.resend";
import { APP, DAY, call, endlessBody, eventsOf, metric, recordingMailer, seedMessage, seedShop, snapshot } from "./helpers";

/** The endpoint's signing secret, as Resend's dashboard shows it (the route reads env at each request). */
const SIGNING_SECRET = `whsec_${Buffer.from("resend webhook signing secret for tests").toString("base64")}`;

type Signing = { id?: string; secret?: string; at?: Date; headers?: Record<string, string> };

/** A request as Resend sends it: the body signed over svix-id and svix-timestamp. */
function signed(body: string, options: Signing = {}): Request {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(options.secret ?? SIGNING_SECRET).sign(id, at, body);
  const headers = {
    "Content-Type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": signature,
    ...options.headers,
  };
  return new Request(`${APP}/webhooks/resend`, { method: "POST", body, headers });
}

/** An email.* event in Resend's shape for one of our messages. */
function resendEvent(type: string, emailId: string, data: Record<string, unknown> = {}): string {
  const at = new Date().toISOString();
  return JSON.stringify({
    type,
    created_at: at,
    data: {
      created_at: at,
      email_id: emailId,
      from: '"Northwind" <hello@northwind.example>',
      to: ["someone@example.com"],
      subject: "Welcome",
      tags: { message_id: "ours" },
      ...data,
    },
  });
}

const bounce = (type: string, subType = "General") => ({
  bounce: { type, subType, message: "The recipient's email provider sent a bounce message." },
});

const post = (request: Request) => call(webhookRoute.action, request);

async function expectStatus(request: Request, status: number) {
  const response = await post(request);
  expect(response.status).toBe(status);
  return response;
}

export function resendScenario(label: string) {
  describe(`Resend delivery webhooks on ${label}`, () => {
    let configured: string | undefined;
    beforeAll(() => {
      configured = env.RESEND_WEBHOOK_SECRET;
      env.RESEND_WEBHOOK_SECRET = SIGNING_SECRET;
    });
    afterAll(() => {
      env.RESEND_WEBHOOK_SECRET = configured;
    });

    it("answers 503 and writes nothing while RESEND_WEBHOOK_SECRET is unset", async () => {
      const shop = await seedShop("unconfigured");
      const { message } = await seedMessage(shop.id);
      const request = signed(resendEvent("email.delivered", message.providerMessageId!));
      const before = await snapshot();
      env.RESEND_WEBHOOK_SECRET = undefined;
      try {
        const response = await expectStatus(request, 503);
        expect((await response.json()).error).toMatch(/not configured/);
      } finally {
        env.RESEND_WEBHOOK_SECRET = SIGNING_SECRET;
      }
      expect(await snapshot()).toEqual(before);
    });

    it("marks a message delivered once, however often the event is replayed", async () => {
      const shop = await seedShop("delivered");
      const { message, flow } = await seedMessage(shop.id);
      const body = resendEvent("email.delivered", message.providerMessageId!);
      const response = await expectStatus(signed(body, { id: "msg_delivered_1" }), 200);
      expect(await response.json()).toEqual({ ok: true, outcome: "applied" });
      const row = await db.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(row.status).toBe("delivered");
      expect(row.deliveredAt).toBeInstanceOf(Date);
      expect(await metric(shop.id, "delivered", { flowId: flow.id, stepId: "welcome_1" })).toBe(1n);

      const before = await snapshot();
      expect(await (await expectStatus(signed(body, { id: "msg_delivered_1" }), 200)).json()).toEqual({ ok: true, outcome: "repeat" });
      await expectStatus(signed(body), 200); // Resend's replay button sends a new svix-id
      expect(await snapshot()).toEqual(before);
    });

    it("a hard bounce suppresses the address at once, is never undone by a late delivered, and stops the next send", async () => {
      const shop = await seedShop("hard-bounce");
      const { profile } = await seedMessage(shop.id, { email: "gone@example.com" });
      const mailer = recordingMailer();
      const queue = (key: string) =>
        queueMessage(db, { shopId: shop.id, profileId: profile.id, idempotencyKey: key, toEmail: "Gone@Example.com", subject: "Hi", html: "<p>Hi</p>", text: "Hi" });
      const { message } = await queue("run-1:welcome_1:1:");
      expect(await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: new Date() })).toMatchObject({ sent: 1 });
      const sent = await db.message.findUniqueOrThrow({ where: { id: message.id } });

      await expectStatus(signed(resendEvent("email.bounced", sent.providerMessageId!, bounce("Permanent", "Suppressed"))), 200);
      expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "bounced", bounceType: "hard" });
      expect(await db.suppression.findMany({ where: { shopId: shop.id } })).toEqual([
        expect.objectContaining({ email: "gone@example.com", reason: "bounce" }),
      ]);
      const [bounced] = await eventsOf(shop.id, "Bounced Email");
      expect(bounced).toMatchObject({ profileId: profile.id, source: "email", sourceId: `email:${message.id}:bounced` });
      expect(bounced.properties).toMatchObject({ messageId: message.id, bounceType: "hard", bounceSubType: "Suppressed" });
      expect(await metric(shop.id, "bounced")).toBe(1n);

      const before = await snapshot();
      await expectStatus(signed(resendEvent("email.bounced", sent.providerMessageId!, bounce("Permanent", "Suppressed"))), 200);
      await expectStatus(signed(resendEvent("email.bounced", sent.providerMessageId!, bounce("Transient"))), 200);
      expect(await snapshot()).toEqual(before);

      await expectStatus(signed(resendEvent("email.delivered", sent.providerMessageId!)), 200);
      expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "bounced", deliveredAt: null });
      expect(await metric(shop.id, "delivered")).toBe(0n);

      const next = await queue("run-2:welcome_1:1:");
      const summary = await deliverQueued(db, mailer, { shopId: shop.id, limit: 10, now: new Date() });
      expect(summary).toMatchObject({ sent: 0, failed: 1, suppressed: 1 });
      expect(await db.message.findUniqueOrThrow({ where: { id: next.message.id } })).toMatchObject({ status: "failed", error: "suppressed" });
      expect(mailer.sent).toHaveLength(1);
    });

    it("treats an email.bounced without a bounce type as hard (Resend sends it for permanent rejections)", async () => {
      const shop = await seedShop("untyped-bounce");
      const { message } = await seedMessage(shop.id);
      await expectStatus(signed(resendEvent("email.bounced", message.providerMessageId!)), 200);
      expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "bounced", bounceType: "hard" });
      expect(await db.suppression.count({ where: { shopId: shop.id } })).toBe(1);
    });

    it("suppresses after three soft bounces within 30 days, not before", async () => {
      const shop = await seedShop("soft-bounce");
      const email = "full-mailbox@example.com";
      const first = await seedMessage(shop.id, { email });
      const send = (sentAt = new Date(Date.now() - DAY)) => seedMessage(shop.id, { email, profileId: first.profile.id, sentAt });
      // A soft bounce 40 days ago is outside the window.
      const old = await send(new Date(Date.now() - 40 * DAY));
      await expectStatus(signed(resendEvent("email.bounced", old.message.providerMessageId!, bounce("Transient", "MailboxFull"))), 200);
      await expectStatus(signed(resendEvent("email.bounced", first.message.providerMessageId!, bounce("Transient", "MailboxFull"))), 200);
      const second = await send();
      await expectStatus(signed(resendEvent("email.bounced", second.message.providerMessageId!, bounce("Undetermined", "Undetermined"))), 200);
      expect(await db.message.findUniqueOrThrow({ where: { id: second.message.id } })).toMatchObject({ status: "bounced", bounceType: "soft" });
      expect(await db.suppression.count({ where: { shopId: shop.id } })).toBe(0);

      const third = await send();
      await expectStatus(signed(resendEvent("email.bounced", third.message.providerMessageId!, bounce("Transient", "General"))), 200);
      expect(await db.suppression.findMany({ where: { shopId: shop.id } })).toEqual([expect.objectContaining({ email, reason: "bounce" })]);
      expect(await metric(shop.id, "bounced")).toBe(4n);
    });

    it("a complaint suppresses, unsubscribes (and tells Shopify), once; a late delivered changes nothing", async () => {
      const shop = await seedShop("complaint");
      const { message, profile } = await seedMessage(shop.id, { email: "angry@example.com" });
      const body = resendEvent("email.complained", message.providerMessageId!);
      await expectStatus(signed(body), 200);

      expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "complained" });
      expect(await db.suppression.findMany({ where: { shopId: shop.id } })).toEqual([
        expect.objectContaining({ email: "angry@example.com", reason: "complaint" }),
      ]);
      expect(await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({
        emailConsent: "unsubscribed",
        emailConsentSource: "spam_complaint",
      });
      expect(await eventsOf(shop.id, "Marked Email as Spam")).toHaveLength(1);
      const [unsubscribed] = await eventsOf(shop.id, "Unsubscribed from Email");
      expect(unsubscribed.properties).toMatchObject({ source: "spam_complaint", messageId: message.id });
      expect(await metric(shop.id, "complained")).toBe(1n);
      expect(await metric(shop.id, "unsubscribed")).toBe(0n);
      const [task] = await db.shopifyTask.findMany({ where: { shopId: shop.id } });
      expect(task.payload).toMatchObject({ profileId: profile.id, state: "unsubscribed", email: "angry@example.com" });

      const before = await snapshot();
      await expectStatus(signed(body), 200);
      await expectStatus(signed(resendEvent("email.delivered", message.providerMessageId!)), 200);
      await expectStatus(signed(resendEvent("email.bounced", message.providerMessageId!, bounce("Permanent"))), 200);
      expect(await snapshot()).toEqual(before);
    });

    it("a message of shop A only ever changes shop A, even for an address both shops email", async () => {
      const shopA = await seedShop("cross-a");
      const shopB = await seedShop("cross-b");
      const a = await seedMessage(shopA.id, { email: "shared@example.com" });
      const b = await seedMessage(shopB.id, { email: "shared@example.com" });
      await expectStatus(signed(resendEvent("email.complained", a.message.providerMessageId!, { to: ["shared@example.com"] })), 200);
      await expectStatus(signed(resendEvent("email.bounced", a.message.providerMessageId!, bounce("Permanent"))), 200);

      expect((await db.message.findUniqueOrThrow({ where: { id: a.message.id } })).status).toBe("complained");
      expect(await db.message.findUniqueOrThrow({ where: { id: b.message.id } })).toMatchObject({ status: "sent", bounceType: null });
      expect(await db.suppression.count({ where: { shopId: shopB.id } })).toBe(0);
      expect((await db.profile.findUniqueOrThrow({ where: { id: b.profile.id } })).emailConsent).toBe("subscribed");
      expect(await db.event.count({ where: { shopId: shopB.id } })).toBe(0);
      expect(await db.dailyRollup.count({ where: { shopId: shopB.id } })).toBe(0);
      expect(await db.shopifyTask.count({ where: { shopId: shopB.id } })).toBe(0);
    });

    it("refuses unsigned, mis-signed, altered and stale deliveries with 401, writing nothing", async () => {
      const shop = await seedShop("bad-signature");
      const { message } = await seedMessage(shop.id);
      const body = resendEvent("email.bounced", message.providerMessageId!, bounce("Permanent"));
      const otherSecret = `whsec_${Buffer.from("another endpoint's signing secret").toString("base64")}`;
      const good = signed(body);
      const before = await snapshot();

      await expectStatus(new Request(`${APP}/webhooks/resend`, { method: "POST", body }), 401);
      await expectStatus(signed(body, { secret: otherSecret }), 401);
      await expectStatus(signed(body, { headers: { "svix-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } }), 401);
      await expectStatus(signed(body, { headers: { "svix-id": "msg_someone_else" } }), 401);
      const altered = new Request(good.url, { method: "POST", body: body.replace("Permanent", "Transient"), headers: good.headers });
      await expectStatus(altered, 401);
      await expectStatus(signed(body, { at: new Date(Date.now() - 10 * 60_000) }), 401);
      await expectStatus(signed(body, { at: new Date(Date.now() + 10 * 60_000) }), 401);
      expect(await snapshot()).toEqual(before);
    });

    it("refuses oversized bodies with 413 and signed bodies that are not Resend events with 400, writing nothing", async () => {
      const shop = await seedShop("malformed");
      const { message } = await seedMessage(shop.id);
      const before = await snapshot();
      const huge = resendEvent("email.bounced", message.providerMessageId!, { padding: "x".repeat(webhookRoute.MAX_RESEND_WEBHOOK_BYTES) });
      await expectStatus(signed(huge), 413);
      await expectStatus(signed("{}", { headers: { "Content-Length": String(10 * 1024 * 1024) } }), 413);
      const endless = new Request(`${APP}/webhooks/resend`, { method: "POST", body: endlessBody(webhookRoute.MAX_RESEND_WEBHOOK_BYTES), duplex: "half" } as RequestInit);
      await expectStatus(endless, 413);

      for (const body of [
        "{not json",
        "[]",
        '"email.bounced"',
        JSON.stringify({ data: { email_id: message.providerMessageId } }),
        JSON.stringify({ type: "email.bounced", data: {} }),
        JSON.stringify({ type: "email.bounced", data: { email_id: 42 } }),
        JSON.stringify({ type: "email.delivered", data: null }),
        resendEvent("email.bounced", message.providerMessageId!, { bounce: "Permanent" }),
      ]) {
        await expectStatus(signed(body), 400);
      }
      expect(await snapshot()).toEqual(before);
    });

    it("acknowledges events for unknown messages and event types it does not act on, writing nothing", async () => {
      const shop = await seedShop("ignored");
      const { message } = await seedMessage(shop.id);
      const before = await snapshot();
      const unknown = await expectStatus(signed(resendEvent("email.bounced", "re-not-ours", bounce("Permanent"))), 200);
      expect(await unknown.json()).toEqual({ ok: true, outcome: "unknown_message" });
      for (const type of ["email.sent", "email.opened", "email.clicked", "email.delivery_delayed", "contact.created"]) {
        const response = await expectStatus(signed(resendEvent(type, message.providerMessageId!)), 200);
        expect(await response.json()).toEqual({ ok: true, outcome: "ignored" });
      }
      // A message still being sent carries a pending pin, never a provider id: it cannot be matched.
      const pending = await seedMessage(shop.id, { status: "queued", providerMessageId: "pending:abc" });
      const pendingBefore = await snapshot();
      await expectStatus(signed(resendEvent("email.delivered", "pending:abc")), 200);
      expect(await db.message.findUniqueOrThrow({ where: { id: pending.message.id } })).toMatchObject({ status: "queued" });
      expect(await snapshot()).toEqual(pendingBefore);
      expect(before.events).toEqual(pendingBefore.events);
    });

    it("answers GET with 405", async () => {
      const response = await call(webhookRoute.loader, new Request(`${APP}/webhooks/resend`));
      expect(response.status).toBe(405);
    });
  });
}
