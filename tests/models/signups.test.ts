// Signups on both databases, below the routes: acceptance, confirmation races, the worker's half, redaction and
// the cleanup of unconfirmed signups.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { redactCustomer } from "../../app/models/compliance/redact.server";
import { acceptSignup, confirmSignup, forgetExpiredSignups, formReport, type SignupRequest } from "../../app/models/signups.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const T0 = new Date("2026-11-20T10:00:00Z");
const HOUR = 3_600_000;

for (const provider of ["sqlite", "postgresql"] as const) {
  describe(`signups on ${provider}`, () => {
    let database: TestDatabase;
    let db: Db;
    let shop: { id: string; timezone: string };
    let n = 0;

    beforeAll(async () => {
      database = await createTestDatabase(provider);
      db = database.prisma;
      const row = await db.shop.create({ data: { domain: `signups-${provider}.myshopify.com`, name: "Acme", timezone: "Europe/Berlin", currency: "EUR", settings: { create: {} } } });
      shop = { id: row.id, timezone: row.timezone };
    });
    afterAll(() => database?.cleanup());

    const request = (email: string, over: Partial<SignupRequest> = {}): SignupRequest => ({
      email,
      firstName: "Ada",
      form: { formKey: "footer", name: "Footer", kind: "inline" },
      locale: "en",
      doubleOptIn: false,
      submissionId: `sub-${++n}`,
      now: T0,
      ...over,
    });

    it("two clicks on one confirmation link at once subscribe once", async () => {
      const accepted = await acceptSignup(db, shop, request("race@lovelace.net", { doubleOptIn: true }), false, 48);
      if (accepted.outcome !== "confirm_sent") throw new Error("expected a pending signup");
      const clicks = await Promise.all([1, 2, 3].map(() => confirmSignup(db, { shopId: shop.id, signupId: accepted.signupId, now: new Date(T0.getTime() + HOUR) })));
      expect(clicks.map((c) => c.outcome).sort()).toEqual(["already_confirmed", "already_confirmed", "confirmed"]);
      await drainInboxOnce(db, { now: () => new Date(T0.getTime() + HOUR) });
      const profile = await db.profile.findFirstOrThrow({ where: { shopId: shop.id, email: "race@lovelace.net" } });
      expect(profile).toMatchObject({ emailConsent: "subscribed", emailConsentSource: "signup form", emailConsentAt: new Date(T0.getTime() + HOUR) });
      expect(await db.event.count({ where: { profileId: profile.id, name: "Subscribed to Email" } })).toBe(1);
      // Counted on the shop's own day (Berlin).
      const [row] = (await formReport(db, shop.id, "2026-11-20", "2026-11-20")).filter((r) => r.formKey === "footer");
      expect(row).toMatchObject({ submissions: 1, confirmations: 1 });
    });

    it("joins a signup to the customer Shopify already knows, by email", async () => {
      const known = await db.profile.create({ data: { shopId: shop.id, email: "known@lovelace.net", shopifyCustomerId: "7001", emailConsent: "unsubscribed", emailConsentAt: new Date(T0.getTime() - 30 * 24 * HOUR), identities: { create: [{ shopId: shop.id, kind: "email", value: "known@lovelace.net" }, { shopId: shop.id, kind: "shopify_customer", value: "7001" }] } } });
      expect(await acceptSignup(db, shop, request("known@lovelace.net"), false, 48)).toEqual({ outcome: "subscribed" });
      await drainInboxOnce(db, { now: () => T0 });
      expect(await db.profile.count({ where: { shopId: shop.id, email: "known@lovelace.net" } })).toBe(1);
      expect(await db.profile.findUniqueOrThrow({ where: { id: known.id } })).toMatchObject({ emailConsent: "subscribed", firstName: "Ada" });
      const task = await db.shopifyTask.findFirstOrThrow({ where: { shopId: shop.id, key: { contains: known.id } } });
      expect(task.payload).toMatchObject({ email: "known@lovelace.net", optIn: "single" });
    });

    it("erases a pending signup with customers/redact, and forgets unconfirmed ones a week after they expire", async () => {
      await acceptSignup(db, shop, request("forget-me@lovelace.net", { doubleOptIn: true }), false, 48);
      await acceptSignup(db, shop, request("stale@lovelace.net", { doubleOptIn: true }), false, 48);
      const summary = await db.$transaction((tx) => redactCustomer(tx, shop.id, { profileIds: [], customerIds: [], emails: ["forget-me@lovelace.net"], phones: [] }, T0));
      expect(summary.pendingSignups).toBe(1);
      expect(await db.pendingSignup.count({ where: { email: "forget-me@lovelace.net" } })).toBe(0);
      expect(await forgetExpiredSignups(db, new Date(T0.getTime() + 48 * HOUR + 6 * 24 * HOUR))).toBe(0);
      expect(await forgetExpiredSignups(db, new Date(T0.getTime() + 48 * HOUR + 8 * 24 * HOUR))).toBe(1);
      expect(await db.pendingSignup.count({ where: { email: "stale@lovelace.net" } })).toBe(0);
    });
  });
}
