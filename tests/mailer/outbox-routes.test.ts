import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const demoLogin = await import("../../app/routes/demo.login");
const outbox = await import("../../app/routes/app.outbox._index");
const outboxMessage = await import("../../app/routes/app.outbox.$id");
const { deliverQueued, queueMessage } = await import("../../app/models/messages.server");
const { createOutboxMailer } = await import("../../app/services/mailer/outbox.server");
const { mailerFromEnv } = await import("../../app/services/mailer/resend.server");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "outbox-a-demo.myshopify.com";
const SHOP_B = "outbox-b-demo.myshopify.com";
const NOW = new Date("2026-11-24T12:00:00Z");

type ListData = Exclude<Awaited<ReturnType<typeof outbox.loader>>, Response>;
type MessageData = Exclude<Awaited<ReturnType<typeof outboxMessage.loader>>, Response>;

async function cookieFor(domain: string) {
  const response = await callRoute(
    demoLogin.action,
    new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: domain }) }),
  );
  return cookieFrom(response as Response);
}

const ids: Record<string, string[]> = {};

async function seedShop(domain: string, count: number) {
  const shop = await db.shop.create({
    data: { domain, name: domain, isDemo: true, settings: { create: { senderEmail: "hello@northwind.example" } } },
  });
  const profile = await db.profile.create({ data: { shopId: shop.id, email: "olivia@example.com", emailConsent: "subscribed" } });
  const flow = await db.flow.create({ data: { shopId: shop.id, name: "Abandoned checkout" } });
  for (let i = 0; i < count; i++) {
    await queueMessage(db, {
      shopId: shop.id,
      profileId: profile.id,
      flowId: i === 0 ? flow.id : null,
      idempotencyKey: `run${i}:step:1:`,
      toEmail: `olivia${i}@example.com`,
      subject: `${domain} email ${i}`,
      html: `<h1>Hi Olivia</h1><script>parent.alert(1)</script>`,
      text: `Hi Olivia ${i}`,
      notBefore: NOW,
    });
  }
  // A message still queued is not in the outbox yet.
  await queueMessage(db, {
    shopId: shop.id,
    profileId: profile.id,
    idempotencyKey: "later",
    toEmail: "later@example.com",
    subject: "Later",
    html: "<p>Later</p>",
    text: "Later",
    notBefore: new Date(NOW.getTime() + 86_400_000),
  });
  expect(await deliverQueued(db, createOutboxMailer(), { shopId: shop.id, limit: 100, now: NOW })).toMatchObject({ sent: count });
  ids[domain] = (await db.message.findMany({ where: { shopId: shop.id, status: "sent" }, select: { id: true } })).map((m) => m.id);
}

describe("the outbox", () => {
  let cookieA = "";

  beforeAll(async () => {
    await seedShop(SHOP_A, 3);
    await seedShop(SHOP_B, 1);
    cookieA = await cookieFor(SHOP_A);
  });

  it("is what the demo sends through", () => {
    expect(mailerFromEnv({ DEMO_MODE: true, RESEND_API_KEY: "re_live" }).name).toBe("outbox");
    expect(mailerFromEnv({ DEMO_MODE: false, RESEND_API_KEY: undefined }).name).toBe("outbox");
    expect(mailerFromEnv({ DEMO_MODE: false, RESEND_API_KEY: "re_live" }).name).toBe("resend");
  });

  it("lists the current shop's sent emails, with their flow", async () => {
    const data = (await callRoute(outbox.loader, new Request(`${BASE}/app/outbox`, { headers: { Cookie: cookieA } }))) as ListData;
    expect(data.total).toBe(3);
    expect(data.messages.map((m) => m.subject).sort()).toEqual([0, 1, 2].map((i) => `${SHOP_A} email ${i}`));
    expect(data.messages.every((m) => m.sentAt === "2026-11-24 12:00")).toBe(true);
    expect(data.messages.find((m) => m.subject.endsWith("email 0"))?.flow).toBe("Abandoned checkout");
    expect(data.messages.find((m) => m.subject.endsWith("email 1"))?.flow).toBe("—");
  });

  it("shows one email with its HTML in an empty sandbox and its text part", async () => {
    const id = ids[SHOP_A][0];
    const data = (await callRoute(outboxMessage.loader, new Request(`${BASE}/app/outbox/${id}`, { headers: { Cookie: cookieA } }), {
      id,
    })) as MessageData;
    expect(data.message).toMatchObject({ id, html: expect.stringContaining("<h1>Hi Olivia</h1>"), text: expect.stringMatching(/^Hi Olivia/) });
    const html = renderToString(createElement(AppProvider, { i18n: en }, createElement(outboxMessage.OutboxMessageView, { message: data.message })));
    // The template's HTML only ever reaches the page as an escaped srcdoc of an iframe with an empty sandbox.
    expect(html).toMatch(/<iframe[^>]*sandbox=""[^>]*srcdoc="&lt;h1&gt;Hi Olivia&lt;\/h1&gt;&lt;script&gt;/i);
    expect(html).not.toContain("<script>parent.alert");
    expect(html).toContain("Hi Olivia");
  });

  it("answers 404 for another shop's email and for an unknown id", async () => {
    for (const id of [ids[SHOP_B][0], "nope"]) {
      const response = await callRoute(outboxMessage.loader, new Request(`${BASE}/app/outbox/${id}`, { headers: { Cookie: cookieA } }), { id });
      expect(isResponse(response) && response.status).toBe(404);
    }
  });

  it("sends an unauthenticated request to the login", async () => {
    const response = await callRoute(outbox.loader, new Request(`${BASE}/app/outbox`));
    expect(isResponse(response) && response.status).toBe(302);
  });
});
