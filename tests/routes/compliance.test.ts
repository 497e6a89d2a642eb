// Compliance webhooks the way Shopify sends them: signed request -> route -> inbox -> worker -> database.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { big, fixtureWith, type Payload } from "../../app/domain/events/fixtures.test-helper";
import { callRoute, cookieFrom, isResponse } from "../helpers/remix";
import { webhookRequest } from "../helpers/shopify";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { drainInboxOnce } = await import("../../app/worker/inbox-worker.server");
const { REDACTED_PAYLOAD } = await import("../../app/models/compliance.server");
const demoLogin = await import("../../app/routes/demo.login");
const dataRequestsList = await import("../../app/routes/app.data-requests._index");
const dataRequestDownload = await import("../../app/routes/app.data-requests.$id");
const ROUTES: Record<string, { action: (args: never) => Promise<Response> }> = {
  "customers/create": await import("../../app/routes/webhooks.customers.create"),
  "orders/create": await import("../../app/routes/webhooks.orders.create"),
  "customers/data_request": await import("../../app/routes/webhooks.customers.data_request"),
  "customers/redact": await import("../../app/routes/webhooks.customers.redact"),
  "shop/redact": await import("../../app/routes/webhooks.shop.redact"),
};

const BASE = "http://127.0.0.1:3000";
let serial = 0;
const nextOrderId = () => String(820982911946150000n + BigInt(++serial));

type Person = { customerId: string; email: string; phone: string; first: string; last: string };

/** A person with distinctive names, so finding them anywhere in the database means their data is still there. */
function person(tag: string): Person {
  const n = ++serial;
  const word = `${tag}${randomUUID().replaceAll("-", "").slice(0, 8)}`;
  return {
    customerId: String(706405506930000000n + BigInt(n * 7919)), // beyond 2^53, as Shopify's are
    email: `${word}.mail@example.org`,
    phone: `+1415555${String(1000 + n).slice(-4)}`,
    first: `Zephyrine${word}`,
    last: `Quartermaine${word}`,
  };
}

function customerBody(p: Person): string {
  return fixtureWith("customers/create", (c: Payload) => {
    Object.assign(c, { id: big(p.customerId), email: p.email, phone: p.phone, first_name: p.first, last_name: p.last });
    c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: "2022-01-02T10:00:00-05:00" };
    Object.assign(c.default_address, { customer_id: big(p.customerId), first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}`, phone: p.phone });
  });
}

function orderBody(p: Person, orderId: string, total: string): string {
  return fixtureWith("orders/create", (o: Payload) => {
    Object.assign(o, {
      id: big(orderId), admin_graphql_api_id: `gid://shopify/Order/${orderId}`, email: p.email, contact_email: p.email,
      test: false, cancelled_at: null, cancel_reason: null, total_price: total, current_total_price: total,
    });
    Object.assign(o.customer, {
      id: big(p.customerId), email: p.email, phone: p.phone, first_name: p.first, last_name: p.last,
      admin_graphql_api_id: `gid://shopify/Customer/${p.customerId}`,
    });
    Object.assign(o.customer.default_address, { customer_id: big(p.customerId), first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}`, phone: p.phone });
    for (const address of [o.billing_address, o.shipping_address]) {
      Object.assign(address, { first_name: p.first, last_name: p.last, name: `${p.first} ${p.last}`, phone: p.phone });
    }
  });
}

function complianceBody(topic: "customers/data_request" | "customers/redact", domain: string, p: Partial<Person>, requestId = "9999") {
  const customer = `{"id":${p.customerId ?? "null"},"email":${JSON.stringify(p.email ?? null)},"phone":${JSON.stringify(p.phone ?? null)}}`;
  const tail = topic === "customers/data_request" ? `"orders_requested":[],"data_request":{"id":${requestId}}` : `"orders_to_redact":[]`;
  return `{"shop_id":954889,"shop_domain":${JSON.stringify(domain)},"customer":${customer},${tail}}`;
}

async function deliver(topic: string, shop: string, body: string, options: { webhookId?: string; secret?: string } = {}) {
  const response = await callRoute(ROUTES[topic].action as never, webhookRequest({ topic, shop, body, ...options }));
  return response as Response;
}

async function drain() {
  const result = await drainInboxOnce(db);
  expect(result.failed).toBe(0);
  return result;
}

async function seedShop(tag: string) {
  const domain = `${tag}-${randomUUID().slice(0, 8)}.myshopify.com`;
  const shop = await db.shop.create({ data: { domain, name: tag, isDemo: true, settings: { create: {} } } });
  await db.session.create({ data: { id: `offline_${domain}`, shop: domain, state: "s", accessToken: "shpat_x" } });
  return shop;
}

/** Real deliveries (a customer and two paid orders), plus what only the app itself writes: a message, a run, a suppression. */
async function seedPerson(shop: { id: string; domain: string }, p: Person) {
  expect((await deliver("customers/create", shop.domain, customerBody(p))).status).toBe(200);
  expect((await deliver("orders/create", shop.domain, orderBody(p, nextOrderId(), "100.00"))).status).toBe(200);
  expect((await deliver("orders/create", shop.domain, orderBody(p, nextOrderId(), "25.50"))).status).toBe(200);
  await drain();
  const identity = await db.profileIdentity.findUniqueOrThrow({
    where: { shopId_kind_value: { shopId: shop.id, kind: "shopify_customer", value: p.customerId } },
  });
  const profileId = identity.profileId;
  await db.profile.update({ where: { id: profileId }, data: { properties: { nickname: p.first, birthday: "1990-01-01" } } });
  // A tombstone left by an earlier merge into this profile (merges keep custom properties).
  await db.profile.create({ data: { shopId: shop.id, mergedIntoId: profileId, properties: { nickname: p.last } } });
  const flow = await db.flow.create({ data: { shopId: shop.id, name: "Welcome", status: "live" } });
  const version = await db.flowVersion.create({ data: { shopId: shop.id, flowId: flow.id, version: 1, definition: {} } });
  const run = await db.flowRun.create({
    data: {
      shopId: shop.id, flowId: flow.id, flowVersionId: version.id, profileId, nextRunAt: new Date(),
      state: { trigger: { email: p.email, firstName: p.first } },
    },
  });
  await db.message.create({
    data: {
      shopId: shop.id, profileId, runId: run.id, flowId: flow.id, stepId: "s1", idempotencyKey: `${run.id}:s1:`,
      toEmail: p.email, subject: `Welcome, ${p.first}!`, status: "delivered", html: `<p>Hi ${p.first} ${p.last}</p>`,
      text: `Hi ${p.first}`, sentAt: new Date(), deliveredAt: new Date(), firstOpenedAt: new Date(),
    },
  });
  await db.suppression.create({ data: { shopId: shop.id, email: p.email, reason: "unsubscribe" } });
  return profileId;
}

type Row = Record<string, unknown>;

/** Every row of every table, as text: what a person's data could hide in. */
async function everyTable(): Promise<Record<string, Row[]>> {
  const tables = await db.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%'`,
  );
  const out: Record<string, Row[]> = {};
  for (const { name } of tables) out[name] = await db.$queryRawUnsafe<Row[]>(`SELECT * FROM "${name}"`);
  return out;
}

const text = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).toLowerCase();

/** Where (table names) any of the needles still occurs. */
async function tablesContaining(needles: string[]): Promise<string[]> {
  const tables = await everyTable();
  return Object.entries(tables)
    .filter(([, rows]) => needles.some((needle) => text(rows).includes(needle.toLowerCase())))
    .map(([name]) => name)
    .sort();
}

const personalData = (p: Person) => [p.email, p.first, p.last, p.phone, p.phone.replace(/\D/g, "").slice(1)];

async function cookieFor(domain: string) {
  const response = await callRoute(
    demoLogin.action,
    new Request(`${BASE}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: domain }) }),
  );
  return cookieFrom(response as Response);
}

async function shopRows(shopId: string) {
  const [profiles, identities, events, messages, runs, orders, rollups, suppressions, requests, inbox] = await Promise.all([
    db.profile.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.profileIdentity.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.event.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.message.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.flowRun.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.orderState.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.dailyRollup.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.suppression.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.dataRequest.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.inboxEntry.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, payload: true, status: true } }),
  ]);
  return { profiles, identities, events, messages, runs, orders, rollups, suppressions, requests, inbox };
}

describe("compliance webhooks", () => {
  let shopA: Awaited<ReturnType<typeof seedShop>>;
  let shopB: Awaited<ReturnType<typeof seedShop>>;
  const a1 = person("annie");
  const a2 = person("bertram");
  const b1 = person("cosima");

  beforeAll(async () => {
    shopA = await seedShop("shop-a");
    shopB = await seedShop("shop-b");
    await seedPerson(shopA, a1);
    await seedPerson(shopA, a2);
    await seedPerson(shopB, b1);
  });

  it("answers a bad or missing signature with 401 and writes nothing", async () => {
    const before = await everyTable();
    const body = complianceBody("customers/redact", shopA.domain, a1);
    expect((await deliver("customers/redact", shopA.domain, body, { secret: "not-the-secret" })).status).toBe(401);
    const unsigned = webhookRequest({ topic: "shop/redact", shop: shopA.domain, body: "{}", secret: null });
    expect(((await callRoute(ROUTES["shop/redact"].action as never, unsigned)) as Response).status).toBe(401);
    const dr = complianceBody("customers/data_request", shopA.domain, a1, "4242");
    expect((await deliver("customers/data_request", shopA.domain, dr, { secret: "wrong" })).status).toBe(401);
    expect(await everyTable()).toEqual(before);
    expect((await drainInboxOnce(db)).claimed).toBe(0);
  });

  it("exports what is held about the customer, once per request, downloadable only by that shop", async () => {
    const webhookId = randomUUID();
    const body = complianceBody("customers/data_request", shopA.domain, a1, "5001");
    expect((await deliver("customers/data_request", shopA.domain, body, { webhookId })).status).toBe(200);
    await drain();
    const [row] = await db.dataRequest.findMany({ where: { shopId: shopA.id, requestId: "5001" } });
    const exported = row.export as Payload;
    expect(row.shopifyCustomerId).toBe(a1.customerId);
    expect(exported.profiles[0]).toMatchObject({ email: a1.email, firstName: a1.first, lastName: a1.last, shopifyCustomerId: a1.customerId, ordersCount: 2, revenueMinor: "12550" });
    expect(exported.identities.map((i: Payload) => `${i.kind}:${i.value}`)).toEqual(
      expect.arrayContaining([`shopify_customer:${a1.customerId}`, `email:${a1.email}`, `phone:${a1.phone}`]),
    );
    const names = exported.events.map((e: Payload) => e.name);
    expect(names.filter((n: string) => n === "Placed Order")).toHaveLength(2);
    expect(names).toEqual(expect.arrayContaining(["Ordered Product", "Subscribed to Email"]));
    expect(exported.events.find((e: Payload) => e.name === "Placed Order")).toMatchObject({ valueMinor: expect.any(String), properties: expect.any(Object), occurredAt: expect.any(String) });
    expect(exported.messages).toEqual([expect.objectContaining({ toEmail: a1.email, subject: `Welcome, ${a1.first}!`, status: "delivered" })]);
    expect(exported.orders.map((o: Payload) => o.totalMinor).sort()).toEqual(["10000", "2550"]);
    expect(exported.suppressions).toEqual([expect.objectContaining({ email: a1.email, reason: "unsubscribe" })]);
    expect(text(exported)).not.toContain(a2.email.toLowerCase());

    // Shopify's redelivery (same webhook id) and a second delivery of the same request change nothing.
    expect((await deliver("customers/data_request", shopA.domain, body, { webhookId })).status).toBe(200);
    expect((await deliver("customers/data_request", shopA.domain, body)).status).toBe(200);
    await drain();
    expect(await db.dataRequest.findMany({ where: { shopId: shopA.id, requestId: "5001" } })).toEqual([row]);

    const cookieA = await cookieFor(shopA.domain);
    const list = (await callRoute(dataRequestsList.loader, new Request(`${BASE}/app/data-requests`, { headers: { Cookie: cookieA } }))) as Payload;
    expect(list.requests).toEqual([expect.objectContaining({ id: row.id, requestId: "5001", customerId: a1.customerId, email: a1.email })]);
    const download = await callRoute(
      dataRequestDownload.loader,
      new Request(`${BASE}/app/data-requests/${row.id}`, { headers: { Cookie: cookieA } }),
      { id: row.id },
    );
    expect(isResponse(download) && download.status).toBe(200);
    const response = download as Response;
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="data-request-5001.json"');
    expect(response.headers.get("Content-Type")).toContain("application/json");
    expect(await response.json()).toEqual(exported);

    const cookieB = await cookieFor(shopB.domain);
    const foreign = await callRoute(dataRequestDownload.loader, new Request(`${BASE}/app/data-requests/${row.id}`, { headers: { Cookie: cookieB } }), { id: row.id });
    expect(isResponse(foreign) && foreign.status).toBe(404);
    const listB = (await callRoute(dataRequestsList.loader, new Request(`${BASE}/app/data-requests`, { headers: { Cookie: cookieB } }))) as Payload;
    expect(listB.requests).toEqual([]);
    const anonymous = await callRoute(dataRequestDownload.loader, new Request(`${BASE}/app/data-requests/${row.id}`), { id: row.id });
    expect(isResponse(anonymous) && anonymous.status).toBe(302);
  });

  it("a redact from another shop naming this shop's customer erases nothing here", async () => {
    const before = await shopRows(shopA.id);
    const body = complianceBody("customers/redact", shopB.domain, { customerId: a1.customerId, email: a1.email, phone: a1.phone });
    expect((await deliver("customers/redact", shopB.domain, body)).status).toBe(200);
    await drain();
    expect(await shopRows(shopA.id)).toEqual(before);
    expect(await db.profile.count({ where: { shopId: shopB.id, email: b1.email } })).toBe(1);
  });

  it("customers/redact leaves none of the customer's personal data in any table, and keeps the aggregates", async () => {
    // A data request the customer made earlier: it must go too.
    await deliver("customers/data_request", shopA.domain, complianceBody("customers/data_request", shopA.domain, a1, "5002"));
    await drain();
    expect(await tablesContaining(personalData(a1))).not.toEqual([]);
    const profileId = (await db.profile.findFirstOrThrow({ where: { shopId: shopA.id, email: a1.email } })).id;
    const before = await shopRows(shopA.id);

    const body = complianceBody("customers/redact", shopA.domain, a1);
    expect((await deliver("customers/redact", shopA.domain, body)).status).toBe(200);
    await drain();

    expect(await tablesContaining(personalData(a1))).toEqual([]);
    expect(await tablesContaining([a1.customerId])).toEqual([]);
    // The other customer, the other shop and the counters are intact.
    for (const other of [a2, b1]) expect(await tablesContaining(personalData(other))).toEqual(["FlowRun", "InboxEntry", "Message", "Profile", "ProfileIdentity", "Suppression"]);
    const after = await shopRows(shopA.id);
    expect(after.rollups).toEqual(before.rollups);
    expect(after.orders).toEqual(before.orders);

    const profile = await db.profile.findUniqueOrThrow({ where: { id: profileId } });
    expect(profile).toMatchObject({ email: null, phone: null, firstName: null, lastName: null, shopifyCustomerId: null, properties: null, ordersCount: 2, revenueMinor: 12550n });
    expect(await db.profileIdentity.count({ where: { profileId } })).toBe(0);
    const events = after.events.filter((e) => e.profileId === profileId);
    expect(events.map((e) => [e.name, e.occurredAt, e.valueMinor, e.currency])).toEqual(
      before.events.filter((e) => e.profileId === profileId).map((e) => [e.name, e.occurredAt, e.valueMinor, e.currency]),
    );
    expect(events.every((e) => text(e.properties) === '{"redacted":true}')).toBe(true);
    const [message] = after.messages.filter((m) => m.profileId === profileId);
    expect(message).toMatchObject({ status: "delivered", html: null, text: null });
    expect(message.sentAt).toEqual(before.messages.find((m) => m.id === message.id)?.sentAt);
    expect(after.runs.find((r) => r.profileId === profileId)).toMatchObject({ status: "exited", exitReason: "redacted" });
    expect(after.suppressions.map((s) => s.email)).toEqual([a2.email]);
    expect(after.requests).toEqual([]);
    const redacted = after.inbox.filter((e) => e.payload === REDACTED_PAYLOAD);
    expect(redacted.length).toBe(7); // customers/create, 2 orders, 3 data request deliveries, the redact itself
    expect(after.inbox.every((e) => e.status === "done")).toBe(true);
  });

  it("shop/redact deletes every row of the shop and its sessions, and nothing of another shop", async () => {
    const shopC = await seedShop("shop-c");
    const c1 = person("dorian");
    await seedPerson(shopC, c1);
    await deliver("customers/data_request", shopC.domain, complianceBody("customers/data_request", shopC.domain, c1, "6001"));
    await drain();
    const beforeB = await shopRows(shopB.id);
    const sessionsB = await db.session.findMany({ where: { shop: shopB.domain } });

    expect((await deliver("shop/redact", shopC.domain, JSON.stringify({ shop_id: 954889, shop_domain: shopC.domain }))).status).toBe(200);
    const result = await drainInboxOnce(db);
    expect(result).toMatchObject({ claimed: 1, failed: 0 });

    expect(await tablesContaining([shopC.id, shopC.domain, ...personalData(c1)])).toEqual([]);
    expect(await shopRows(shopB.id)).toEqual(beforeB);
    expect(await db.session.findMany({ where: { shop: shopB.domain } })).toEqual(sessionsB);
  });

  it("records a payload it cannot read as failed at once", async () => {
    expect((await deliver("customers/redact", shopB.domain, '{"customer":{}}')).status).toBe(200);
    expect((await drainInboxOnce(db)).failed).toBe(1);
    const entry = await db.inboxEntry.findFirstOrThrow({ where: { shopId: shopB.id, topic: "customers/redact", status: "failed" } });
    expect(entry.attempts).toBe(1);
    expect(entry.lastError).toMatch(/customers\/redact: .*customer names no id, email or phone/);
  });
});
