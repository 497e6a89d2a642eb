// Compliance erasure on both databases: inbox -> worker -> compliance model, scanned table by table.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { big, fixtureWith, type Payload } from "../../app/domain/events/fixtures.test-helper";
import { payloadMatcher, REDACTED_PAYLOAD } from "../../app/models/compliance.server";
import { unsubscribeProfile } from "../../app/models/email-engagement.server";
import { acceptInboxEntry } from "../../app/models/inbox.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

type Person = { customerId: string; email: string; phone: string; first: string; last: string };
let serial = 0;

function person(tag: string): Person {
  const n = ++serial;
  const word = `${tag}${randomUUID().replaceAll("-", "").slice(0, 8)}`;
  return {
    customerId: String(706405506930000000n + BigInt(n * 7919)),
    email: `${word}.mail@example.org`,
    phone: `+1415555${String(2000 + n).slice(-4)}`,
    first: `Philippa${word}`,
    last: `Vandermeer${word}`,
  };
}

function customerBody(p: Person): string {
  return fixtureWith("customers/create", (c: Payload) => {
    Object.assign(c, { id: big(p.customerId), email: p.email, phone: p.phone, first_name: p.first, last_name: p.last });
    c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: "2022-01-02T10:00:00-05:00" };
    Object.assign(c.default_address, { customer_id: big(p.customerId), first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}`, phone: p.phone });
  });
}

function orderBody(p: Person, total: string): string {
  const orderId = String(820982911946160000n + BigInt(++serial));
  return fixtureWith("orders/create", (o: Payload) => {
    Object.assign(o, { id: big(orderId), email: p.email, contact_email: p.email, test: false, cancelled_at: null, total_price: total, current_total_price: total });
    Object.assign(o.customer, { id: big(p.customerId), email: p.email, first_name: p.first, last_name: p.last });
    Object.assign(o.customer.default_address, { customer_id: big(p.customerId), first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}` });
    for (const address of [o.billing_address, o.shipping_address]) Object.assign(address, { first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}`, phone: p.phone });
  });
}

const redactBody = (p: Partial<Person>) =>
  `{"shop_id":1,"shop_domain":"x.myshopify.com","customer":{"id":${p.customerId ?? "null"},"email":${JSON.stringify(p.email ?? null)},"phone":${JSON.stringify(p.phone ?? null)}},"orders_to_redact":[]}`;

const text = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).toLowerCase();

describe.each(["sqlite", "postgresql"] as const)("compliance erasure on %s", (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
  });
  afterAll(() => t?.cleanup());

  async function deliver(shopId: string, topic: string, payload: string) {
    await acceptInboxEntry(t.prisma, { shopId, source: "shopify_webhook", topic, dedupeKey: randomUUID(), payload });
  }

  async function drain() {
    const result = await drainInboxOnce(t.prisma);
    expect(result.failed).toBe(0);
  }

  async function seedShop() {
    const domain = `shop-${randomUUID().slice(0, 8)}.myshopify.com`;
    const shop = await t.prisma.shop.create({ data: { domain, name: domain, settings: { create: {} } } });
    await t.prisma.session.create({ data: { id: `offline_${domain}`, shop: domain, state: "s", accessToken: "shpat_x" } });
    return shop;
  }

  async function seedPerson(shopId: string, p: Person) {
    await deliver(shopId, "customers/create", customerBody(p));
    await deliver(shopId, "orders/create", orderBody(p, "40.00"));
    await drain();
    const { profileId } = await t.prisma.profileIdentity.findUniqueOrThrow({
      where: { shopId_kind_value: { shopId, kind: "email", value: p.email } },
    });
    await t.prisma.profile.update({ where: { id: profileId }, data: { properties: { nickname: p.first } } });
    await t.prisma.profile.create({ data: { shopId, mergedIntoId: profileId, properties: { formerName: p.last } } });
    await t.prisma.message.create({
      data: { shopId, profileId, idempotencyKey: randomUUID(), toEmail: p.email, subject: `Hi ${p.first}`, status: "sent", html: `<p>${p.last}</p>`, sentAt: new Date() },
    });
    await t.prisma.suppression.create({ data: { shopId, email: p.email, reason: "bounce" } });
    // An unsubscribe click queues a consent update for Shopify that names the person.
    await unsubscribeProfile(t.prisma, { shopId, profileId, messageId: null, now: new Date(), source: "preference_page" });
    expect(await t.prisma.shopifyTask.count({ where: { shopId, key: { contains: profileId } } })).toBe(1);
    await t.prisma.dataRequest.create({ data: { shopId, requestId: randomUUID(), shopifyCustomerId: p.customerId, email: p.email, export: { name: p.first } } });
    // A raw delivery naming the person only by an upper-cased email (LIKE is case-sensitive on PostgreSQL).
    await t.prisma.inboxEntry.create({
      data: { shopId, source: "web_pixel", topic: "x", dedupeKey: randomUUID(), status: "done", payload: `{"Email":"${p.email.toUpperCase()}","name":"${p.first}"}` },
    });
    return profileId;
  }

  /** Table name -> all its rows as lower-cased text. */
  async function everyTable(): Promise<Record<string, string>> {
    const tables =
      provider === "sqlite"
        ? await t.prisma.$queryRawUnsafe<Array<{ name: string }>>(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%'`,
          )
        : await t.prisma.$queryRawUnsafe<Array<{ name: string }>>(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_prisma%'`,
          );
    expect(tables.length).toBeGreaterThan(15);
    const out: Record<string, string> = {};
    for (const { name } of tables) out[name] = text(await t.prisma.$queryRawUnsafe(`SELECT * FROM "${name}"`));
    return out;
  }

  async function tablesContaining(needles: string[]) {
    const tables = await everyTable();
    return Object.keys(tables).filter((name) => needles.some((n) => tables[name].includes(n.toLowerCase()))).sort();
  }

  const personal = (p: Person) => [p.email, p.first, p.last, p.phone];

  it("customers/redact erases the person everywhere and keeps the numbers", async () => {
    const shop = await seedShop();
    const gone = person("gone");
    const kept = person("kept");
    const profileId = await seedPerson(shop.id, gone);
    await seedPerson(shop.id, kept);
    const rollups = await t.prisma.dailyRollup.findMany({ where: { shopId: shop.id }, orderBy: { id: "asc" } });
    const orders = await t.prisma.orderState.findMany({ where: { shopId: shop.id }, orderBy: { id: "asc" } });
    expect(rollups.length).toBeGreaterThan(0);
    const eventsBefore = await t.prisma.event.count({ where: { profileId } });

    await deliver(shop.id, "customers/redact", redactBody(gone));
    await drain();

    expect(await tablesContaining([...personal(gone), gone.customerId])).toEqual([]);
    expect(await tablesContaining(personal(kept))).toEqual(["DataRequest", "InboxEntry", "Message", "Profile", "ProfileIdentity", "ShopifyTask", "Suppression"]);
    expect(await t.prisma.dailyRollup.findMany({ where: { shopId: shop.id }, orderBy: { id: "asc" } })).toEqual(rollups);
    expect(await t.prisma.orderState.findMany({ where: { shopId: shop.id }, orderBy: { id: "asc" } })).toEqual(orders);
    expect(await t.prisma.profile.findUniqueOrThrow({ where: { id: profileId } })).toMatchObject({ ordersCount: 1, revenueMinor: 4000n, email: null, properties: null });
    expect(await t.prisma.event.count({ where: { profileId, properties: { equals: { redacted: true } } } })).toBe(eventsBefore);
    expect(await t.prisma.inboxEntry.count({ where: { shopId: shop.id, payload: REDACTED_PAYLOAD } })).toBe(4);
  });

  it("customers/redact leaves a profile of another Shopify customer alone even when the email matches", async () => {
    const shop = await seedShop();
    const other = person("other");
    const profileId = await seedPerson(shop.id, other);
    await deliver(shop.id, "customers/redact", redactBody({ customerId: "42", email: "nobody@example.org", phone: other.phone }));
    await drain();
    expect(await t.prisma.profile.findUniqueOrThrow({ where: { id: profileId } })).toMatchObject({ email: other.email, firstName: other.first });
    expect(await t.prisma.profileIdentity.count({ where: { profileId } })).toBeGreaterThan(0);
  });

  it("shop/redact deletes every row of the shop, its sessions included, and nothing else", async () => {
    const doomed = await seedShop();
    const survivor = await seedShop();
    const p = person("doomed");
    const q = person("survivor");
    await seedPerson(doomed.id, p);
    await seedPerson(survivor.id, q);
    const before = await tablesContaining([survivor.id]);
    const survivorRows = await t.prisma.inboxEntry.count({ where: { shopId: survivor.id } });

    await deliver(doomed.id, "shop/redact", `{"shop_id":1,"shop_domain":"${doomed.domain}"}`);
    await drain();

    expect(await tablesContaining([doomed.id, doomed.domain, ...personal(p)])).toEqual([]);
    expect(await tablesContaining([survivor.id])).toEqual(before);
    expect(await t.prisma.inboxEntry.count({ where: { shopId: survivor.id } })).toBe(survivorRows);
    expect(await t.prisma.session.count({ where: { shop: survivor.domain } })).toBe(1);
  });
});

describe("payloadMatcher", () => {
  const matches = payloadMatcher({ customerIds: ["191167"], emails: ["ann@example.com"], phones: ["+15556251199"] });

  it("finds whole ids, emails (any case) and phones", () => {
    expect(matches('{"customer":{"id":191167}}')).toBe(true);
    expect(matches('{"id":"gid://shopify/Customer/191167"}')).toBe(true);
    expect(matches('{"email":"Ann@Example.COM"}')).toBe(true);
    expect(matches('{"note":"call +15556251199"}')).toBe(true);
  });

  it("does not take another token that merely contains one", () => {
    expect(matches('{"id":1911670,"order":21911671}')).toBe(false);
    expect(matches('{"email":"joann@example.com","other":"ann@example.community"}')).toBe(false);
    expect(matches('{"phone":"+155562511990"}')).toBe(false);
  });
});
