// The storefront signup form's endpoints as Shopify's app proxy calls them (/proxy/signup, /proxy/form-view) and
// the double opt-in link (/signup/confirm/<token>): signatures, bad input, rate limits, idempotency, confirmation.
import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { signSignupConfirmToken } from "../../app/domain/email/tracking-token";
import { sendSignupConfirmationsOnce } from "../../app/models/signup-confirmations.server";
import { formReport } from "../../app/models/signups.server";
import { ensureShop, forgetCachedShop } from "../../app/models/shop.server";
import type { Mailer, OutgoingEmail } from "../../app/services/mailer/types";
import { MAX_SIGNUP_BODY_BYTES, signupRateLimiter } from "../../app/signup-proxy.server";
import * as confirmRoute from "../../app/routes/signup.confirm.$token";
import * as signupRoute from "../../app/routes/proxy.signup";
import * as viewRoute from "../../app/routes/proxy.form-view";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { appProxyQuery } from "../helpers/app-proxy";
import { callRoute } from "../helpers/remix";

const SHOP_A = "signup-a.myshopify.com";
const SHOP_B = "signup-b.myshopify.com";
const APP = "https://my-test-app.myshopify.io";
const SECRET = process.env.SESSION_SECRET!;

let shopA = "";
let shopB = "";
let ip = 0;

beforeEach(async () => {
  await db.shop.deleteMany();
  forgetCachedShop(SHOP_A);
  forgetCachedShop(SHOP_B);
  signupRateLimiter.reset();
  shopA = (await ensureShop(db, SHOP_A, new Date("2026-01-01T00:00:00Z"))).id;
  shopB = (await ensureShop(db, SHOP_B, new Date("2026-01-01T00:00:00Z"))).id;
  await db.shop.update({ where: { id: shopA }, data: { name: "Acme & Co" } });
});

type Fields = Record<string, string>;

function form(over: Fields = {}): Fields {
  return { email: "Ada@Lovelace.net", first_name: "Ada", form_id: "signup_inline_1", form_name: "Footer form", form_kind: "inline", locale: "en", website: "", ...over };
}

function proxyRequest(path: string, fields: Fields | string, options: { shop?: string; query?: URLSearchParams; ip?: string; json?: boolean; method?: string } = {}) {
  const query = options.query ?? appProxyQuery(options.shop ?? SHOP_A);
  const body = typeof fields === "string" ? fields : new URLSearchParams(fields).toString();
  return new Request(`${APP}/proxy/${path}?${query}`, {
    method: options.method ?? "POST",
    ...(options.method === "GET" ? {} : { body }),
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: options.json === false ? "text/html" : "application/json",
      // A new client per request unless a test wants one client: the per-IP limit is tested on its own.
      "X-Forwarded-For": options.ip ?? `198.51.100.${++ip % 250}`,
    },
  });
}

async function submit(fields: Fields | string, options: Parameters<typeof proxyRequest>[2] = {}) {
  const request = proxyRequest("signup", fields, options);
  const response = (await callRoute(request.method === "GET" ? signupRoute.loader : signupRoute.action, request)) as Response;
  return { response, body: response.headers.get("Content-Type")?.includes("json") ? await response.json() : await response.text() };
}

async function counts() {
  const [inbox, profiles, events, pending, tasks, forms] = await Promise.all([
    db.inboxEntry.count(),
    db.profile.count(),
    db.event.count(),
    db.pendingSignup.count(),
    db.shopifyTask.count(),
    db.signupFormDay.count(),
  ]);
  return { inbox, profiles, events, pending, tasks, forms };
}

async function expectNothingWritten(run: () => Promise<{ response: Response; body: unknown }>, status: number) {
  const before = await counts();
  const result = await run();
  expect(result.response.status).toBe(status);
  await drainInboxOnce(db);
  expect(await counts()).toEqual(before);
  return result;
}

function capturingMailer() {
  const sent: OutgoingEmail[] = [];
  const mailer: Mailer = {
    name: "test",
    maxBatchSize: 100,
    async send(batch) {
      sent.push(...batch);
      return batch.map((_, i) => ({ status: "sent" as const, providerMessageId: `re_${sent.length}_${i}` }));
    },
  };
  return { mailer, sent };
}

const links = async () => ({ appUrl: APP, secret: SECRET });

describe("signup form submissions through the app proxy", () => {
  it("subscribes with single opt-in: consent, Subscribed to Email with the form, a Shopify customer task, a counted submission", async () => {
    const { response, body } = await submit(form());
    expect(response.status).toBe(200);
    expect(body).toEqual({ ok: true, status: "subscribed", message: "Thanks for signing up! Check your inbox." });
    await drainInboxOnce(db);

    const profile = await db.profile.findFirstOrThrow({ where: { shopId: shopA, email: "ada@lovelace.net" } });
    expect(profile).toMatchObject({ firstName: "Ada", emailConsent: "subscribed", emailConsentSource: "signup form" });
    const events = await db.event.findMany({ where: { profileId: profile.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ name: "Subscribed to Email", source: "signup_form" });
    expect(events[0].properties).toMatchObject({ formId: "signup_inline_1", formName: "Footer form", optInLevel: "single_opt_in", source: "signup form" });
    const task = await db.shopifyTask.findFirstOrThrow({ where: { shopId: shopA } });
    expect(task).toMatchObject({ kind: "customer_upsert" });
    expect(task.payload).toMatchObject({ email: "ada@lovelace.net", firstName: "Ada", optIn: "single", profileId: profile.id });

    const [row] = await formReport(db, shopA, "2000-01-01", "2999-12-31");
    expect(row).toMatchObject({ formKey: "signup_inline_1", name: "Footer form", kind: "inline", submissions: 1, views: 0 });
    // Shop B saw none of it.
    expect(await db.profile.count({ where: { shopId: shopB } })).toBe(0);
  });

  it("is idempotent: a retried request is one signup, and signing up again while subscribed starts nothing", async () => {
    const retry = form({ submission_id: "0b5c7a8e-1111-4222-8333-944445555666" });
    expect((await submit(retry)).response.status).toBe(200);
    expect((await submit(retry)).response.status).toBe(200);
    expect(await db.inboxEntry.count()).toBe(1);
    await drainInboxOnce(db);

    const again = await submit(form({ submission_id: "0b5c7a8e-2222-4222-8333-944445555666" }));
    expect(again.body).toMatchObject({ ok: true, status: "already_subscribed" });
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(1);
    expect(await db.event.count({ where: { name: "Subscribed to Email" } })).toBe(1);
    expect(await db.shopifyTask.count()).toBe(1);
    const [row] = await formReport(db, shopA, "2000-01-01", "2999-12-31");
    expect(row.submissions).toBe(1);
  });

  it("refuses missing, tampered, re-used and foreign signatures with 401 and writes nothing", async () => {
    const signed = appProxyQuery(SHOP_A);
    const tampered = new URLSearchParams(signed);
    tampered.set("logged_in_customer_id", "1");
    const otherShop = new URLSearchParams(signed);
    otherShop.set("shop", SHOP_B); // shop A's signature cannot speak for shop B
    const unsigned = new URLSearchParams(signed);
    unsigned.delete("signature");
    const stale = appProxyQuery(SHOP_A, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const wrongSecret = appProxyQuery(SHOP_A, { secret: "not-our-secret" });
    const doubled = new URLSearchParams(signed);
    doubled.append("shop", SHOP_B);
    for (const query of [tampered, otherShop, unsigned, stale, wrongSecret, doubled]) {
      const { body } = await expectNothingWritten(() => submit(form(), { query }), 401);
      expect(body).toMatchObject({ ok: false, error: { code: "invalid_form" } });
    }
  });

  it("answers 404 for a shop that is unknown or uninstalled, 405 for GET", async () => {
    await expectNothingWritten(() => submit(form(), { shop: "nobody.myshopify.com" }), 404);
    await db.shop.update({ where: { id: shopB }, data: { uninstalledAt: new Date() } });
    forgetCachedShop(SHOP_B);
    const { body } = await expectNothingWritten(() => submit(form(), { shop: SHOP_B }), 404);
    expect(body).toMatchObject({ error: { code: "unknown_shop" } });
    await expectNothingWritten(() => submit(form(), { method: "GET" }), 405);
  });

  it("refuses malformed and oversized bodies", async () => {
    await expectNothingWritten(() => submit(form({ form_id: "<script>" })), 400);
    await expectNothingWritten(() => submit(form({ form_kind: "modal" })), 400);
    await expectNothingWritten(() => submit(form({ first_name: "x".repeat(101) })), 400);
    await expectNothingWritten(() => submit(form({ submission_id: "../../etc" })), 400);
    await expectNothingWritten(() => submit(form({ email: "a@b.org".padStart(MAX_SIGNUP_BODY_BYTES + 10, "a") })), 413);
    const multipart = new Request(`${APP}/proxy/signup?${appProxyQuery(SHOP_A)}`, {
      method: "POST",
      body: "--x\r\nbroken",
      headers: { "Content-Type": "multipart/form-data; boundary=x", Accept: "application/json" },
    });
    const before = await counts();
    expect(((await callRoute(signupRoute.action, multipart)) as Response).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("refuses invalid and throwaway emails with 422 and a message in the shopper's language", async () => {
    const cases: Array<[string, string]> = [
      ["", "missing_email"],
      ["not-an-email", "invalid_email"],
      ["ada@@lovelace.net", "invalid_email"],
      ["ada@localhost", "invalid_email"],
      ["a..b@lovelace.net", "invalid_email"],
      [`${"a".repeat(250)}@x.org`, "email_too_long"],
      ["someone@mailinator.com", "fake_email"],
      ["someone@example.com", "fake_email"],
      ["test@test.com", "fake_email"],
    ];
    for (const [email, code] of cases) {
      const { body } = await expectNothingWritten(() => submit(form({ email })), 422);
      expect(body).toMatchObject({ ok: false, error: { code } });
    }
    const { body } = await submit(form({ email: "kaputt", locale: "de-AT" }));
    expect(body).toMatchObject({ error: { code: "invalid_email", message: expect.stringContaining("gültige E-Mail-Adresse") } });
  });

  it("tells a bot that filled the honeypot it worked, and stores nothing", async () => {
    const { body } = await expectNothingWritten(() => submit(form({ website: "https://spam.example" })), 200);
    expect(body).toMatchObject({ ok: true, status: "subscribed" });
  });

  it("rate-limits a burst of 100 submissions from one client: a handful of profiles, the rest 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { response } = await submit(form({ email: `burst${i}@lovelace.net` }), { ip: "203.0.113.99" });
      statuses.push(response.status);
    }
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - accepted);
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(accepted);
    // The limit is per client: someone else can still sign up.
    expect((await submit(form({ email: "other@lovelace.net" }), { ip: "203.0.113.100" })).response.status).toBe(200);
    // And one address cannot be submitted over and over from many clients.
    const repeated = [];
    for (let i = 0; i < 6; i++) repeated.push((await submit(form({ email: "victim@lovelace.net", double_opt_in: "1" }))).response.status);
    expect(repeated.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
  });

  it("answers a form posted without JavaScript with a Liquid page Shopify renders in the theme", async () => {
    const { response, body } = await submit(form(), { json: false });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/liquid");
    expect(body).toContain("Thanks for signing up!");
    const refused = await submit(form({ email: "nope" }), { json: false });
    expect(refused.response.status).toBe(422);
    expect(refused.body).toContain("valid email address");
  });
});

describe("double opt-in", () => {
  async function confirmationLink(sent: OutgoingEmail[]) {
    const href = /href="([^"]*\/signup\/confirm\/[^"]+)"/.exec(sent.at(-1)!.html)?.[1];
    expect(href).toBeTruthy();
    return new URL(href!.replace(/&amp;/g, "&"));
  }

  async function openLink(url: URL, method: "GET" | "POST") {
    const token = url.pathname.split("/").at(-1)!;
    const request = new Request(url, { method, ...(method === "POST" ? { body: "action=confirm", headers: { "Content-Type": "application/x-www-form-urlencoded" } } : {}) });
    const response = (await callRoute(method === "GET" ? confirmRoute.loader : confirmRoute.action, request, { token })) as Response;
    return { status: response.status, html: await response.text() };
  }

  it("subscribes only after the click on the emailed link, with confirmed opt-in; a second click changes nothing", async () => {
    const { response, body } = await submit(form({ double_opt_in: "1", locale: "fr" }));
    expect(response.status).toBe(202);
    expect(body).toMatchObject({ ok: true, status: "confirm_sent", message: expect.stringContaining("Cliquez sur le lien") });
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(0);
    expect(await db.event.count()).toBe(0);

    const { mailer, sent } = capturingMailer();
    expect(await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links, defaultFrom: "Acme <hello@acme.example>" })).toMatchObject({ sent: 1 });
    expect(sent[0]).toMatchObject({ to: "ada@lovelace.net", subject: "Confirmez votre inscription à Acme & Co", from: "Acme <hello@acme.example>" });
    expect(sent[0].html).toContain("Acme &amp; Co");
    expect(sent[0].text).toContain("/signup/confirm/");
    // Sent once: the next pass finds nothing to send.
    expect(await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links, defaultFrom: "Acme <hello@acme.example>" })).toMatchObject({ sent: 0 });

    const url = await confirmationLink(sent);
    // A mail scanner's GET confirms nothing.
    const page = await openLink(url, "GET");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Confirm my subscription");
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(0);

    const confirmed = await openLink(url, "POST");
    expect(confirmed.status).toBe(200);
    expect(confirmed.html).toContain("Thank you: you are subscribed");
    await drainInboxOnce(db);
    const profile = await db.profile.findFirstOrThrow({ where: { shopId: shopA, email: "ada@lovelace.net" } });
    expect(profile.emailConsent).toBe("subscribed");
    const event = await db.event.findFirstOrThrow({ where: { profileId: profile.id, name: "Subscribed to Email" } });
    expect(event.properties).toMatchObject({ optInLevel: "confirmed_opt_in", formId: "signup_inline_1" });
    const task = await db.shopifyTask.findFirstOrThrow({ where: { shopId: shopA } });
    expect(task.payload).toMatchObject({ optIn: "confirmed" });

    const again = await openLink(url, "POST");
    expect(again.html).toContain("already confirmed");
    await drainInboxOnce(db);
    expect(await db.event.count({ where: { name: "Subscribed to Email" } })).toBe(1);
    const [row] = await formReport(db, shopA, "2000-01-01", "2999-12-31");
    expect(row).toMatchObject({ submissions: 1, confirmations: 1 });
  });

  it("sends no second email for a resubmission while pending, and follows the shop's 'require double opt-in'", async () => {
    await db.shopSettings.update({ where: { shopId: shopA }, data: { requireDoubleOptIn: true } });
    expect((await submit(form({ double_opt_in: "0" }))).response.status).toBe(202);
    expect((await submit(form({ double_opt_in: "0" }))).response.status).toBe(202);
    const { mailer, sent } = capturingMailer();
    await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links, defaultFrom: "Acme <hello@acme.example>" });
    expect(sent).toHaveLength(1);
    expect(await db.pendingSignup.count()).toBe(1);
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(0);
  });

  it("refuses an expired link (410) and lets the person sign up again with a new one", async () => {
    await submit(form({ double_opt_in: "1" }));
    const { mailer, sent } = capturingMailer();
    await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links, defaultFrom: "Acme <hello@acme.example>" });
    const url = await confirmationLink(sent);
    await db.pendingSignup.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });

    expect((await openLink(url, "GET")).status).toBe(410);
    const expired = await openLink(url, "POST");
    expect(expired.status).toBe(410);
    expect(expired.html).toContain("expired");
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(0);
    expect((await db.pendingSignup.findFirstOrThrow()).status).toBe("expired");

    expect((await submit(form({ double_opt_in: "1" }))).response.status).toBe(202);
    await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links, defaultFrom: "Acme <hello@acme.example>" });
    expect(sent).toHaveLength(2);
    expect(sent[1].idempotencyKey).not.toBe(sent[0].idempotencyKey);
    expect((await openLink(await confirmationLink(sent), "POST")).status).toBe(200);
    await drainInboxOnce(db);
    expect(await db.profile.count({ where: { emailConsent: "subscribed" } })).toBe(1);
  });

  it("refuses forged, foreign and oversized confirmation requests without subscribing anyone", async () => {
    await submit(form({ double_opt_in: "1" }));
    const pending = await db.pendingSignup.findFirstOrThrow();
    const good = signSignupConfirmToken({ shopId: shopA, signupId: pending.id }, SECRET);
    const forged = [
      signSignupConfirmToken({ shopId: shopA, signupId: pending.id }, "another-secret-another-secret-another"),
      `${good.slice(0, -2)}xx`,
      "not-a-token",
      "x".repeat(5000),
    ];
    for (const token of forged) {
      const response = (await callRoute(confirmRoute.action, new Request(`${APP}/signup/confirm/${token}`, { method: "POST", body: "action=confirm" }), { token })) as Response;
      expect(response.status).toBe(400);
    }
    // Shop B's token for shop A's pending signup names no signup of shop B.
    const foreign = signSignupConfirmToken({ shopId: shopB, signupId: pending.id }, SECRET);
    expect(((await callRoute(confirmRoute.action, new Request(`${APP}/signup/confirm/${foreign}`, { method: "POST", body: "" }), { token: foreign })) as Response).status).toBe(404);
    const big = new Request(`${APP}/signup/confirm/${good}`, { method: "POST", body: "x".repeat(5000) });
    expect(((await callRoute(confirmRoute.action, big, { token: good })) as Response).status).toBe(413);
    expect(((await callRoute(confirmRoute.action, new Request(`${APP}/signup/confirm/${good}`, { method: "PUT", body: "" }), { token: good })) as Response).status).toBe(405);
    await drainInboxOnce(db);
    expect(await db.profile.count()).toBe(0);
    expect((await db.pendingSignup.findFirstOrThrow()).status).toBe("pending");
  });

  it("waits without a sender address, and never emails a suppressed address", async () => {
    await submit(form({ double_opt_in: "1", email: "later@lovelace.net" }));
    await submit(form({ double_opt_in: "1", email: "bounced@lovelace.net" }));
    await db.suppression.create({ data: { shopId: shopA, email: "bounced@lovelace.net", reason: "hard_bounce" } });
    const { mailer, sent } = capturingMailer();
    expect(await sendSignupConfirmationsOnce(db, mailer, { now: new Date(), links })).toEqual({ sent: 0, retried: 1, failed: 1 });
    expect(sent).toHaveLength(0);
    expect((await db.pendingSignup.findFirstOrThrow({ where: { email: "later@lovelace.net" } })).emailError).toContain("no sender address");
    await db.shopSettings.update({ where: { shopId: shopA }, data: { senderEmail: "hello@acme.example", senderName: "Acme" } });
    expect(await sendSignupConfirmationsOnce(db, mailer, { now: new Date(Date.now() + 5 * 60_000), links })).toMatchObject({ sent: 1 });
    expect(sent[0]).toMatchObject({ to: "later@lovelace.net", from: '"Acme" <hello@acme.example>' });
  });
});

describe("form views", () => {
  it("counts views per form and shop, for the conversion rate", async () => {
    const view = (shop: string, formId: string) =>
      callRoute(viewRoute.action, proxyRequest("form-view", { form_id: formId, form_name: "Popup", form_kind: "popup" }, { shop })) as Promise<Response>;
    for (let i = 0; i < 4; i++) expect((await view(SHOP_A, "popup_1")).status).toBe(204);
    expect((await view(SHOP_B, "popup_1")).status).toBe(204);
    await submit(form({ form_id: "popup_1", form_kind: "popup", form_name: "Popup" }));
    const [row] = await formReport(db, shopA, "2000-01-01", "2999-12-31");
    expect(row).toMatchObject({ formKey: "popup_1", kind: "popup", views: 4, submissions: 1, conversionRate: 0.25 });
    const [other] = await formReport(db, shopB, "2000-01-01", "2999-12-31");
    expect(other).toMatchObject({ views: 1, submissions: 0 });

    const unsigned = proxyRequest("form-view", { form_id: "popup_1" }, { query: new URLSearchParams({ shop: SHOP_A }) });
    expect(((await callRoute(viewRoute.action, unsigned)) as Response).status).toBe(401);
    expect(((await callRoute(viewRoute.action, proxyRequest("form-view", { form_id: "bad id!" }))) as Response).status).toBe(400);
    const [after] = await formReport(db, shopA, "2000-01-01", "2999-12-31");
    expect(after.views).toBe(4);
  });
});
