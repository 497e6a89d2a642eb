// The open pixel, click redirect and unsubscribe/preference routes, called the way Remix calls them, with real
// Requests. Imported by tracking.test.ts (SQLite) and tracking.postgresql.test.ts (PostgreSQL).
import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { signClickToken, signOpenToken, signUnsubscribeToken } from "../../app/domain/email/tracking-token";
import { env } from "../../app/env.server";
import * as clickRoute from "../../app/routes/t.c.$token";
import * as openRoute from "../../app/routes/t.o.$token";
import * as preferenceRoute from "../../app/routes/u.$token";
import { APP, HOUR, call, endlessBody, eventsOf, metric, seedMessage, seedShop, snapshot } from "./helpers";

const SECRET = env.SESSION_SECRET;
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const PRODUCT = "https://shop.example/products/mug?utm_source=shop-flows";

/** The token with one character of its body (part 0) or signature (part 1) changed. */
function flip(token: string, part: 0 | 1, at = 4): string {
  const parts = token.split(".");
  const s = parts[part];
  parts[part] = s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
  return parts.join(".");
}

/** Another message's claims under this token's signature. */
function spliced(token: string, claims: object): string {
  return `${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${token.split(".")[1]}`;
}

const openPixel = (token: string, userAgent: string | null = IPHONE, method = "GET") =>
  call(openRoute.loader, new Request(`${APP}/t/o/${token}`, { method, headers: userAgent ? { "User-Agent": userAgent } : {} }), { token });
const follow = (token: string, method = "GET") =>
  call(clickRoute.loader, new Request(`${APP}/t/c/${token}`, { method, headers: { "User-Agent": IPHONE } }), { token });
const preferencePage = (token: string) => call(preferenceRoute.loader, new Request(`${APP}/u/${token}`), { token });
function postPreferences(token: string, body: BodyInit, headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" }) {
  const init = { method: "POST", body, headers, duplex: "half" } as RequestInit;
  return call(preferenceRoute.action, new Request(`${APP}/u/${token}`, init), { token });
}
const oneClick = (token: string) => postPreferences(token, "List-Unsubscribe=One-Click");

async function expectGif(response: Response) {
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("image/gif");
  expect(response.headers.get("Cache-Control")).toBe("no-store, private");
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(bytes.subarray(0, 6).toString("latin1")).toBe("GIF89a");
  expect(bytes.length).toBe(43);
}

export function trackingScenario(label: string) {
  describe(`open pixel on ${label}`, () => {
    it("records the first human open once: firstOpenedAt, an Opened Email event on the profile, the opened counter", async () => {
      const shop = await seedShop("open");
      const { message, profile, flow } = await seedMessage(shop.id);
      const token = signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET);
      await expectGif(await openPixel(token));

      const row = await db.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(row.firstOpenedAt).toBeInstanceOf(Date);
      const [opened] = await eventsOf(shop.id, "Opened Email");
      expect(opened).toMatchObject({ profileId: profile.id, source: "email", sourceId: `email:${message.id}:opened` });
      expect(opened.properties).toMatchObject({
        messageId: message.id,
        flowId: flow.id,
        stepId: "welcome_1",
        campaignId: null,
        subject: message.subject,
        machine: false,
      });
      expect(await metric(shop.id, "opened", { flowId: flow.id, stepId: "welcome_1" })).toBe(1n);
      const rollup = await db.dailyRollup.findFirstOrThrow({ where: { shopId: shop.id, metric: "opened" } });
      expect(rollup).toMatchObject({ flowVersionId: message.flowVersionId, variant: "A", campaignId: "" });

      const before = await snapshot();
      await expectGif(await openPixel(token));
      await expectGif(await openPixel(token, "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15"));
      expect(await snapshot()).toEqual(before);
    });

    it("keeps a machine open once as its own event, without firstOpenedAt; a later human open still counts", async () => {
      const shop = await seedShop("machine");
      const { message } = await seedMessage(shop.id);
      const token = signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET);
      await expectGif(await openPixel(token, "Mozilla/5.0")); // Apple Mail Privacy Protection
      await expectGif(await openPixel(token, "Mozilla/5.0"));
      await expectGif(await openPixel(token, null));

      expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).firstOpenedAt).toBeNull();
      const machine = await eventsOf(shop.id, "Opened Email");
      expect(machine).toHaveLength(1);
      expect(machine[0].properties).toMatchObject({ machine: true, machineReason: "apple_privacy_proxy" });
      expect(await metric(shop.id, "opened_machine")).toBe(1n);
      expect(await metric(shop.id, "opened")).toBe(0n);

      await expectGif(await openPixel(token));
      expect((await db.message.findUniqueOrThrow({ where: { id: message.id } })).firstOpenedAt).toBeInstanceOf(Date);
      expect(await metric(shop.id, "opened")).toBe(1n);
      expect(await eventsOf(shop.id, "Opened Email")).toHaveLength(2);
    });

    it("answers a bad, altered, misused or cross-shop token with the same GIF and writes nothing", async () => {
      const shop = await seedShop("open-bad");
      const other = await seedShop("open-other");
      const { message } = await seedMessage(shop.id);
      const token = signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET);
      const before = await snapshot();
      for (const bad of [
        flip(token, 0),
        flip(token, 1),
        spliced(token, { k: "o", s: other.id, m: message.id }),
        signOpenToken({ shopId: other.id, messageId: message.id }, SECRET), // validly signed, but not this shop's message
        signClickToken({ shopId: shop.id, messageId: message.id, url: PRODUCT }, SECRET)!,
        signOpenToken({ shopId: shop.id, messageId: message.id }, `${SECRET}-other`),
        "not-a-token",
        "x".repeat(10_000),
      ]) {
        await expectGif(await openPixel(bad));
      }
      await expectGif(await openPixel(token, IPHONE, "HEAD"));
      expect(await snapshot()).toEqual(before);
    });
  });

  describe(`click redirect on ${label}`, () => {
    it("redirects to the signed URL and records the click once per link; a first click is also the open", async () => {
      const shop = await seedShop("click");
      const { message, profile } = await seedMessage(shop.id);
      const token = signClickToken({ shopId: shop.id, messageId: message.id, url: PRODUCT }, SECRET)!;
      const response = await follow(token);
      expect(response.status).toBe(302);
      expect(response.headers.get("Location")).toBe(PRODUCT);
      expect(response.headers.get("Cache-Control")).toBe("no-store, private");

      const row = await db.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(row.firstClickedAt).toBeInstanceOf(Date);
      expect(row.firstOpenedAt).toEqual(row.firstClickedAt);
      const [clicked] = await eventsOf(shop.id, "Clicked Email");
      expect(clicked).toMatchObject({ profileId: profile.id, source: "email" });
      expect(clicked.properties).toMatchObject({ messageId: message.id, url: PRODUCT, stepId: "welcome_1" });
      const [opened] = await eventsOf(shop.id, "Opened Email");
      expect(opened.properties).toMatchObject({ machine: false, viaClick: true });
      expect(await metric(shop.id, "clicked")).toBe(1n);
      expect(await metric(shop.id, "opened")).toBe(1n);

      const before = await snapshot();
      expect((await follow(token)).headers.get("Location")).toBe(PRODUCT);
      expect(await snapshot()).toEqual(before);

      const other = signClickToken({ shopId: shop.id, messageId: message.id, url: "https://shop.example/collections/all" }, SECRET)!;
      expect((await follow(other)).status).toBe(302);
      expect(await eventsOf(shop.id, "Clicked Email")).toHaveLength(2);
      expect(await metric(shop.id, "clicked")).toBe(1n);
      expect(await metric(shop.id, "opened")).toBe(1n);
    });

    it("refuses forged, altered and misused tokens with a 400 page: no redirect, nothing written", async () => {
      const shop = await seedShop("click-bad");
      const other = await seedShop("click-other");
      const { message, profile } = await seedMessage(shop.id);
      const token = signClickToken({ shopId: shop.id, messageId: message.id, url: PRODUCT }, SECRET)!;
      const before = await snapshot();
      for (const bad of [
        flip(token, 0),
        flip(token, 0, 40), // inside the URL
        flip(token, 1),
        spliced(token, { k: "c", s: shop.id, m: message.id, u: "https://evil.example/" }),
        spliced(token, { k: "c", s: other.id, m: message.id, u: PRODUCT }),
        signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET),
        signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET),
        signClickToken({ shopId: shop.id, messageId: message.id, url: "https://evil.example/" }, `${SECRET}-other`)!,
        "",
        "a.b",
        "x".repeat(10_000),
      ]) {
        const response = await follow(bad);
        expect(response.status).toBe(400);
        expect(response.headers.get("Location")).toBeNull();
        expect(response.headers.get("Content-Type")).toMatch(/^text\/plain/);
      }
      expect(await snapshot()).toEqual(before);
    });

    it("follows our own signed link for another shop's message without touching either shop; HEAD records nothing", async () => {
      const shop = await seedShop("click-cross");
      const other = await seedShop("click-cross-other");
      const { message } = await seedMessage(shop.id);
      const before = await snapshot();
      const crossShop = signClickToken({ shopId: other.id, messageId: message.id, url: PRODUCT }, SECRET)!;
      expect((await follow(crossShop)).status).toBe(302);
      const own = signClickToken({ shopId: shop.id, messageId: message.id, url: PRODUCT }, SECRET)!;
      expect((await follow(own, "HEAD")).status).toBe(302);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe(`unsubscribe and preferences on ${label}`, () => {
    it("shows a standalone, accessible preference page and changes nothing on GET", async () => {
      const shop = await seedShop("page", "Northwind <b>& Co</b>");
      const { message, profile } = await seedMessage(shop.id, { email: "ann.smith@example.com" });
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);
      const before = await snapshot();
      const response = await preferencePage(token);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
      expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
      const html = await response.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain("Northwind &lt;b&gt;&amp; Co&lt;/b&gt;");
      expect(html).toContain("a***@example.com");
      expect(html).not.toContain("ann.smith");
      expect(html).toMatch(/<button type="submit" name="action" value="unsubscribe">/);
      expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//i);
      expect(await snapshot()).toEqual(before);
    });

    it("one-click unsubscribes on the first POST; a second POST changes nothing", async () => {
      const shop = await seedShop("one-click");
      const { message, profile, flow } = await seedMessage(shop.id);
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);
      const response = await oneClick(token);
      expect(response.status).toBe(200);

      const row = await db.profile.findUniqueOrThrow({ where: { id: profile.id } });
      expect(row).toMatchObject({ emailConsent: "unsubscribed", emailConsentSource: "one_click_unsubscribe" });
      expect(row.emailConsentAt!.getTime()).toBeGreaterThan(Date.now() - HOUR);
      const [event] = await eventsOf(shop.id, "Unsubscribed from Email");
      expect(event).toMatchObject({ profileId: profile.id, source: "email" });
      expect(event.properties).toMatchObject({ state: "unsubscribed", source: "one_click_unsubscribe", messageId: message.id, previousState: "subscribed" });
      expect(await metric(shop.id, "unsubscribed", { flowId: flow.id, stepId: "welcome_1" })).toBe(1n);
      const [task] = await db.shopifyTask.findMany({ where: { shopId: shop.id } });
      expect(task).toMatchObject({ kind: "consent_update", status: "pending" });
      expect(task.payload).toEqual({
        profileId: profile.id,
        shopifyCustomerId: profile.shopifyCustomerId,
        email: profile.email,
        state: "unsubscribed",
        at: row.emailConsentAt!.toISOString(),
      });

      const before = await snapshot();
      expect((await oneClick(token)).status).toBe(200);
      expect(await snapshot()).toEqual(before);
      expect(await eventsOf(shop.id, "Unsubscribed from Email")).toHaveLength(1);
    });

    it("counts concurrent one-click POSTs and opens once", async () => {
      const shop = await seedShop("race");
      const { message, profile } = await seedMessage(shop.id);
      const unsubscribe = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);
      const open = signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET);
      const responses = await Promise.all([
        ...Array.from({ length: 5 }, () => oneClick(unsubscribe)),
        ...Array.from({ length: 5 }, () => openPixel(open)),
      ]);
      expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
      expect(await eventsOf(shop.id, "Unsubscribed from Email")).toHaveLength(1);
      expect(await eventsOf(shop.id, "Opened Email")).toHaveLength(1);
      expect(await metric(shop.id, "unsubscribed")).toBe(1n);
      expect(await metric(shop.id, "opened")).toBe(1n);
      expect(await db.shopifyTask.count({ where: { shopId: shop.id } })).toBe(1);
    });

    it("accepts the one-click body as multipart/form-data too", async () => {
      const shop = await seedShop("multipart");
      const { message, profile } = await seedMessage(shop.id);
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);
      const form = new FormData();
      form.set("List-Unsubscribe", "One-Click");
      const request = new Request(`${APP}/u/${token}`, { method: "POST", body: form });
      const response = await call(preferenceRoute.action, request, { token });
      expect(response.status).toBe(200);
      expect((await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).emailConsent).toBe("unsubscribed");
    });

    it("unsubscribes and resubscribes from the page, with a confirmation, each change once", async () => {
      const shop = await seedShop("page-post");
      const { message, profile } = await seedMessage(shop.id);
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);

      const unsubscribed = await postPreferences(token, "action=unsubscribe");
      expect(unsubscribed.status).toBe(200);
      const page = await unsubscribed.text();
      expect(page).toMatch(/role="status">You have been unsubscribed/);
      expect(page).toContain('value="resubscribe"');
      expect(await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({
        emailConsent: "unsubscribed",
        emailConsentSource: "preference_page",
      });

      const resubscribed = await postPreferences(token, "action=resubscribe");
      expect(await resubscribed.text()).toMatch(/role="status">You are subscribed again/);
      expect(await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({
        emailConsent: "subscribed",
        emailConsentSource: "preference_page",
      });
      const [subscribed] = await eventsOf(shop.id, "Subscribed to Email");
      expect(subscribed.properties).toMatchObject({ state: "subscribed", source: "preference_page", resubscribed: true });
      const tasks = await db.shopifyTask.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } });
      expect(tasks.map((t) => (t.payload as { state: string }).state).sort()).toEqual(["subscribed", "unsubscribed"]);

      const before = await snapshot();
      expect((await postPreferences(token, "action=resubscribe")).status).toBe(200);
      expect(await snapshot()).toEqual(before);
      expect(await metric(shop.id, "unsubscribed")).toBe(1n);
    });

    it("unsubscribes through a link that names no message, counting on no email", async () => {
      const shop = await seedShop("no-message");
      const { profile } = await seedMessage(shop.id);
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: null }, SECRET);
      expect((await oneClick(token)).status).toBe(200);
      expect((await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).emailConsent).toBe("unsubscribed");
      expect(await metric(shop.id, "unsubscribed")).toBe(0n);
      expect(await db.shopifyTask.count({ where: { shopId: shop.id } })).toBe(1);
    });

    it("refuses forged, altered, misused and cross-shop tokens, oversized and unreadable bodies, writing nothing", async () => {
      const shop = await seedShop("unsub-bad");
      const other = await seedShop("unsub-other");
      const { message, profile } = await seedMessage(shop.id);
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, SECRET);
      const before = await snapshot();
      const forged = [
        flip(token, 0),
        flip(token, 1),
        spliced(token, { k: "u", s: shop.id, p: "someone-else", m: null }),
        signOpenToken({ shopId: shop.id, messageId: message.id }, SECRET),
        signClickToken({ shopId: shop.id, messageId: message.id, url: PRODUCT }, SECRET)!,
        signUnsubscribeToken({ shopId: shop.id, profileId: profile.id, messageId: message.id }, `${SECRET}-other`),
        "garbage",
      ];
      for (const bad of forged) {
        expect((await oneClick(bad)).status).toBe(400);
        expect((await preferencePage(bad)).status).toBe(400);
      }
      const crossShop = signUnsubscribeToken({ shopId: other.id, profileId: profile.id, messageId: message.id }, SECRET);
      expect((await oneClick(crossShop)).status).toBe(404);
      expect((await preferencePage(crossShop)).status).toBe(404);

      const big = `List-Unsubscribe=One-Click&pad=${"x".repeat(preferenceRoute.MAX_PREFERENCE_BODY_BYTES)}`;
      expect((await postPreferences(token, big)).status).toBe(413);
      expect((await postPreferences(token, "List-Unsubscribe=One-Click", { "Content-Length": "1000000" })).status).toBe(413);
      expect((await postPreferences(token, endlessBody(preferenceRoute.MAX_PREFERENCE_BODY_BYTES))).status).toBe(413);
      expect((await postPreferences(token, "action=delete-everything")).status).toBe(400);
      expect((await postPreferences(token, "")).status).toBe(400);
      expect((await postPreferences(token, "--x\r\nnot multipart", { "Content-Type": "multipart/form-data; boundary=zzz" })).status).toBe(400);
      const put = new Request(`${APP}/u/${token}`, { method: "PUT", body: "List-Unsubscribe=One-Click" });
      expect((await call(preferenceRoute.action, put, { token })).status).toBe(405);
      expect(await snapshot()).toEqual(before);
    });

    it("follows a merged profile to the one that absorbed it", async () => {
      const shop = await seedShop("merged");
      const { profile: survivor } = await seedMessage(shop.id);
      const gone = await db.profile.create({ data: { shopId: shop.id, mergedIntoId: survivor.id } });
      const token = signUnsubscribeToken({ shopId: shop.id, profileId: gone.id, messageId: null }, SECRET);
      expect((await oneClick(token)).status).toBe(200);
      expect((await db.profile.findUniqueOrThrow({ where: { id: survivor.id } })).emailConsent).toBe("unsubscribed");
    });
  });
}
