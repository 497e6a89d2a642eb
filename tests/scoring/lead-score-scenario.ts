// Lead scoring end to end, through the paths real traffic takes: signed checkout webhooks -> inbox -> worker ->
// events -> score; the open pixel route -> Opened Email -> score; crossings -> Became Sales-Ready -> a live flow
// starts; the hand-off (Shopify tag, signed CRM webhook) performed by the Shopify task worker against local fakes.
// Imported by lead-score.test.ts (SQLite) and lead-score.postgresql.test.ts (PostgreSQL) after DATABASE_URL is set.
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { JsonObject } from "../../app/domain/events/types";
import { signOpenToken } from "../../app/domain/email/tracking-token";
import type { FlowDefinition } from "../../app/domain/flows/definition";
import { DEFAULT_SCORING, type ScoringConfig } from "../../app/domain/scoring/rules";
import { env } from "../../app/env.server";
import { leadScoreSummary, saveShopScoring, updateLeadScore } from "../../app/models/lead-score.server";
import { ensureShop } from "../../app/models/shop.server";
import * as openRoute from "../../app/routes/t.o.$token";
import { webhookSecretFor, type Resolver } from "../../app/services/outgoing-webhook.server";
import { createAdminGraphql } from "../../app/services/shopify-admin.server";
import { advanceDueRuns, triggerFlows } from "../../app/worker/flow-worker.server";
import { runShopifyTasksOnce, type ShopifyTaskOptions } from "../../app/worker/shopify-tasks.server";
import { startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";
import { createLiveFlow, eventFlow } from "../helpers/flows";
import { deliver, drainAll } from "../helpers/ingest";
import { bigId, checkoutPayload, samplePayload } from "../helpers/payloads";
import { callRoute } from "../helpers/remix";

const DAY = 86_400_000;
const T0 = new Date("2026-11-20T09:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);

// The merchant's CRM: listens on 127.0.0.2, the one address the test overrides let through.
type Received = { path: string; host: string | undefined; headers: IncomingMessage["headers"]; body: string };
const received: Received[] = [];
let crm: Server;
let crmPort = 0;
const fakeDns: Record<string, string[]> = { "crm.merchant.test": ["127.0.0.2"], "crm-internal.merchant.test": ["10.0.0.7"] };
const resolve: Resolver = async (hostname) => {
  const addresses = fakeDns[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: 4 }));
};

let fake: FakeShopifyAdmin;
let seq = 0;

export function leadScoreScenario(label: string) {
  describe(`lead scoring on ${label}`, () => {
    let shop: { id: string; domain: string };
    let customerId: string;
    let email: string;

    beforeAll(async () => {
      crm = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push({ path: req.url ?? "", host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => crm.listen(0, "127.0.0.2", ok));
      crmPort = (crm.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((ok) => crm.close(() => ok()));
      await fake?.close();
    });

    beforeEach(async () => {
      const n = ++seq;
      const domain = `score-${n}-${randomUUID().slice(0, 8)}.myshopify.com`;
      shop = await ensureShop(db, domain, new Date("2026-01-01T00:00:00Z"));
      customerId = `96100000000${String(n).padStart(5, "0")}`;
      email = `lead${n}@example.com`;
      await fake?.close();
      fake = await startFakeShopifyAdmin({ shop: domain });
      received.length = 0;
      // The worker serves every shop: tasks of an earlier test must not fall due in this one.
      await db.shopifyTask.deleteMany({});
    });

    /** A checkout started at `when` (its own token), delivered signed and drained by the worker at `when`. */
    async function checkout(when: Date, token = `tok-${randomUUID()}`) {
      const body = checkoutPayload({ token, at: when, email, customerId, firstName: "Lena" });
      expect(await deliver("checkouts/create", body, { shop: shop.domain, triggeredAt: when.toISOString(), webhookId: randomUUID() })).toBe(200);
      await drainAll(() => when);
      return { body, token };
    }
    const createFlow = (definition: FlowDefinition) => createLiveFlow(db, shop.id, definition, "Lead scoring test");
    const profile = () => db.profile.findFirstOrThrow({ where: { shopId: shop.id, shopifyCustomerId: customerId } });
    const history = async () =>
      db.leadScoreChange.findMany({ where: { shopId: shop.id }, orderBy: [{ at: "asc" }, { createdAt: "asc" }, { id: "asc" }] });
    const salesReady = () => db.event.findMany({ where: { shopId: shop.id, name: "Became Sales-Ready" }, orderBy: { occurredAt: "asc" } });
    const summary = async (now: Date) => (await leadScoreSummary(db, shop.id, (await profile()).id, now))!;
    const configure = (config: Partial<ScoringConfig>, handoff: { salesReadyTag?: string | null; crmWebhookUrl?: string | null } = {}) =>
      Promise.all([
        saveShopScoring(db, shop.id, { section: "rules", config: { ...DEFAULT_SCORING, ...config } }),
        saveShopScoring(db, shop.id, { section: "handoff", values: { salesReadyTag: handoff.salesReadyTag ?? null, crmWebhookUrl: handoff.crmWebhookUrl ?? null } }),
      ]);

    it("raises the score as checkouts land, with one history row per event, and halves it every half-life", async () => {
      await checkout(T0);
      await checkout(T0);
      expect(await summary(T0)).toMatchObject({ scored: true, score: 10, threshold: 20 });
      const rows = await history();
      expect(rows.map((r) => [r.reason, r.points, r.score])).toEqual([
        ["Started Checkout +5", 5, 5],
        ["Started Checkout +5", 5, 10],
      ]);
      const events = await db.event.findMany({ where: { shopId: shop.id, name: "Started Checkout" }, select: { id: true } });
      expect(rows.map((r) => r.key).sort()).toEqual(events.map((e) => `event:${e.id}`).sort());
      expect((await profile()).leadScore).toBe(10);
      // Two weeks later (the default half-life) the 10 is 5; a checkout then makes it 10 again.
      expect((await summary(at(14))).score).toBe(5);
      await checkout(at(14));
      expect(await summary(at(14))).toMatchObject({ score: 10 });
      expect((await history()).at(-1)).toMatchObject({ points: 5, score: 10 });
      expect((await summary(at(42))).score).toBe(2.5); // two more half-lives
    });

    it("counts a redelivered or replayed event once", async () => {
      const first = await checkout(T0);
      // Shopify redelivers the same checkout under a new webhook id: the event exists, the score stays.
      expect(await deliver("checkouts/create", first.body, { shop: shop.domain, triggeredAt: T0.toISOString(), webhookId: randomUUID() })).toBe(200);
      await drainAll(() => T0);
      expect((await summary(T0)).score).toBe(5);
      // Scoring the stored event again (a retried transaction) finds its history row and changes nothing.
      const event = await db.event.findFirstOrThrow({ where: { shopId: shop.id, name: "Started Checkout" } });
      const again = await db.$transaction((tx) =>
        updateLeadScore(tx, {
          shopId: shop.id,
          profileId: event.profileId!,
          events: [{ id: event.id, name: event.name, occurredAt: event.occurredAt, properties: event.properties as JsonObject }],
          profileChanged: false,
          now: T0,
        }),
      );
      expect(again).toMatchObject({ score: 5, changes: 0, crossings: 0 });
      expect(await history()).toHaveLength(1);
    });

    it("emits Became Sales-Ready once per crossing, re-arms after decaying below, and starts a flow on it", async () => {
      const flow = await createFlow(eventFlow("Became Sales-Ready", [{ id: "done", kind: "exit", reason: "handed_to_sales" }], { mode: "every_trigger" }));

      for (let i = 0; i < 3; i++) await checkout(T0);
      expect(await salesReady()).toHaveLength(0);
      await checkout(T0); // 20: the threshold
      await checkout(T0); // 25: still above, no second event
      const first = await salesReady();
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ profileId: (await profile()).id, occurredAt: T0, source: "lead_score", properties: { score: 20, threshold: 20 } });
      expect((await history()).filter((r) => r.crossed)).toHaveLength(1);

      const started = await triggerFlows(db, { shopId: shop.id, since: new Date(0), now: T0 });
      expect(started.started).toBe(1);
      expect(await db.flowRun.findFirst({ where: { flowId: flow.id } })).toMatchObject({ triggerEventId: first[0].id, profileId: (await profile()).id });

      // 25 halves to 12.5 in 14 days: below the threshold, so reaching it again is a new crossing.
      await checkout(at(14)); // 17.5
      expect(await salesReady()).toHaveLength(1);
      await checkout(at(14)); // 22.5
      const both = await salesReady();
      expect(both).toHaveLength(2);
      expect(both[1]).toMatchObject({ occurredAt: at(14), properties: { score: 22.5 } });
      const again = await triggerFlows(db, { shopId: shop.id, since: started.cursor, now: at(14) });
      expect(again.started).toBe(1);
      expect(await db.flowRun.count({ where: { flowId: flow.id } })).toBe(2);
    });

    it("scores human opens of an email through the open pixel and leaves machine opens out", async () => {
      await checkout(T0);
      const p = await profile();
      const message = (n: number) =>
        db.message.create({
          data: {
            shopId: shop.id, profileId: p.id, idempotencyKey: `score-open-${n}`, toEmail: email, subject: "Hi", status: "sent", provider: "outbox",
            sentAt: new Date(Date.now() - 3_600_000),
          },
        });
      const open = async (id: string, userAgent: string) => {
        const token = signOpenToken({ shopId: shop.id, messageId: id }, env.SESSION_SECRET);
        const response = await callRoute(openRoute.loader, new Request(`https://app.test/t/o/${token}`, { headers: { "User-Agent": userAgent } }), { token });
        expect((response as Response).status).toBe(200);
      };
      const human = await message(1);
      await open(human.id, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36");
      await open(human.id, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36");
      const machine = await message(2);
      await open(machine.id, "Mozilla/5.0"); // Apple Mail's privacy prefetch
      const rows = await history();
      expect(rows.map((r) => r.reason)).toEqual(["Started Checkout +5", "Opened Email (machine is not true) +1"]);
      expect(rows[1]).toMatchObject({ points: 1, eventId: expect.any(String) });
    });

    it("tags the customer in Shopify and posts the signed CRM webhook once per crossing; private addresses are refused", async () => {
      await configure({ threshold: 10 }, { salesReadyTag: "sales-ready", crmWebhookUrl: "https://crm.merchant.test/hooks/leads?src=shop" });
      await checkout(T0);
      expect(await db.shopifyTask.count({ where: { shopId: shop.id } })).toBe(0);
      await checkout(T0); // 10: crossing
      await checkout(T0); // 15: no new hand-off
      const tasks = await db.shopifyTask.findMany({ where: { shopId: shop.id }, orderBy: { kind: "asc" } });
      expect(tasks.map((t) => t.kind)).toEqual(["crm_webhook", "customer_tag"]);

      const options: ShopifyTaskOptions = {
        adminFor: async (domain) => {
          expect(domain).toBe(shop.domain);
          return createAdminGraphql({ shop: domain, accessToken: fake.accessToken, apiVersion: "2026-07", customFetchApi: fake.fetchApi, maxRetries: 0, sleep: async () => {} });
        },
        webhookSecret: (id) => webhookSecretFor(env.SESSION_SECRET, id),
        webhook: { resolve, testOverrides: { allowAddresses: ["127.0.0.2"], plaintextPort: crmPort } },
      };
      expect(await runShopifyTasksOnce(db, options)).toMatchObject({ claimed: 2, done: 2 });
      expect(fake.tagCalls).toEqual([{ mutation: "tagsAdd", id: `gid://shopify/Customer/${customerId}`, tags: ["sales-ready"] }]);
      expect(received).toHaveLength(1);
      const hook = received[0];
      expect(hook).toMatchObject({ path: "/hooks/leads?src=shop", host: "crm.merchant.test" });
      expect(hook.headers["x-signature"]).toBe(`sha256=${createHmac("sha256", webhookSecretFor(env.SESSION_SECRET, shop.id)).update(hook.body).digest("hex")}`);
      const [event] = await salesReady();
      expect(hook.headers["idempotency-key"]).toBe(tasks[0].key);
      expect(JSON.parse(hook.body)).toEqual({
        event: { id: event.id, name: "Became Sales-Ready", occurredAt: T0.toISOString() },
        shop: shop.domain,
        profile: { id: (await profile()).id, email, firstName: "Lena", lastName: expect.anything(), shopifyCustomerId: customerId },
        score: 10,
        threshold: 10,
        idempotencyKey: tasks[0].key,
      });
      // Done is done: nothing more is sent.
      expect((await runShopifyTasksOnce(db, { ...options, now: () => new Date(Date.now() + 3_600_000) })).claimed).toBe(0);

      // A CRM address that resolves to a private network is never contacted; the task fails with the reason.
      await configure({ threshold: 10 }, { crmWebhookUrl: "https://crm-internal.merchant.test/hooks?api_key=s3cret" });
      await checkout(at(30)); // 15 decayed to ~3.4, +5: below
      await checkout(at(30)); // ~13.4: a new crossing
      const refusedTask = await db.shopifyTask.findFirstOrThrow({ where: { shopId: shop.id, status: "pending" } });
      expect(await runShopifyTasksOnce(db, options)).toMatchObject({ claimed: 1, failed: 1 });
      expect(await db.shopifyTask.findUniqueOrThrow({ where: { id: refusedTask.id } })).toMatchObject({
        kind: "crm_webhook",
        status: "failed",
        // The query (often an API key) stays out of stored errors and logs.
        lastError: "refused: private_address 10.0.0.7 (https://crm-internal.merchant.test/hooks?…)",
      });
      expect(received).toHaveLength(1);
    });

    it("does not tag a guest with no Shopify customer, and retries a CRM address that does not resolve yet", async () => {
      await configure({ threshold: 10 }, { salesReadyTag: "sales-ready", crmWebhookUrl: "https://crm-later.merchant.test/hooks" });
      const guest = (token: string) => checkoutPayload({ token, at: T0, email: `guest-${token}@example.com` });
      for (const token of ["g-1", "g-2"]) {
        expect(await deliver("checkouts/create", guest(`${token}-${seq}`), { shop: shop.domain, triggeredAt: T0.toISOString(), webhookId: randomUUID() })).toBe(200);
      }
      await drainAll(() => T0);
      const guestProfiles = await db.profile.findMany({ where: { shopId: shop.id } });
      expect(guestProfiles.map((p) => p.shopifyCustomerId)).toEqual([null, null]);
      // Two guests with two addresses are two people: neither reaches 10 alone.
      expect(await db.shopifyTask.count({ where: { shopId: shop.id } })).toBe(0);
      const again = (n: number) => checkoutPayload({ token: `g-again-${n}-${seq}`, at: T0, email: guestProfiles[0].email });
      expect(await deliver("checkouts/create", again(1), { shop: shop.domain, triggeredAt: T0.toISOString(), webhookId: randomUUID() })).toBe(200);
      await drainAll(() => T0);
      const tasks = await db.shopifyTask.findMany({ where: { shopId: shop.id }, orderBy: { kind: "asc" } });
      expect(tasks.map((t) => t.kind)).toEqual(["crm_webhook", "customer_tag"]);
      const summary = await runShopifyTasksOnce(db, {
        adminFor: async () => {
          throw new Error("no Admin API call is needed for a guest");
        },
        webhookSecret: (id) => webhookSecretFor(env.SESSION_SECRET, id),
        webhook: { resolve, testOverrides: { allowAddresses: ["127.0.0.2"], plaintextPort: crmPort } },
      });
      expect(summary).toMatchObject({ claimed: 2, skipped: 1, retried: 1 });
      expect(await db.shopifyTask.findUniqueOrThrow({ where: { id: tasks[1].id } })).toMatchObject({ status: "done", lastError: null });
      expect(await db.shopifyTask.findUniqueOrThrow({ where: { id: tasks[0].id } })).toMatchObject({
        status: "pending",
        attempts: 1,
        lastError: "refused: dns_failed: getaddrinfo ENOTFOUND crm-later.merchant.test (https://crm-later.merchant.test/hooks)",
      });
      expect(fake.tagCalls).toEqual([]);
      expect(received).toEqual([]);
    });

    it("adds the points of property rules while the profile matches them, set by a flow's update_profile step", async () => {
      await configure({ propertyRules: [{ id: "named", filter: { path: "properties.company", op: "exists" }, points: 7 }] });
      await createFlow(eventFlow("Started Checkout", [{ id: "mark", kind: "update_profile", set: { company: "Acme" }, next: null }]));
      await checkout(T0);
      expect((await summary(T0)).score).toBe(5);
      expect((await triggerFlows(db, { shopId: shop.id, since: new Date(0), now: at(1) })).started).toBe(1);
      await advanceDueRuns(db, { owner: "score-test", now: at(1) });
      expect(await db.flowRun.findFirst({ where: { shopId: shop.id } })).toMatchObject({ status: "completed" });
      const s = await summary(at(1));
      expect(s.score).toBeCloseTo(7 + 5 * 2 ** (-1 / 14), 1);
      expect(s.history[0]).toMatchObject({ reason: "company is set +7", points: 7 });
    });

    it("adds up two profiles' scores when a later fact shows they are one person", async () => {
      const guestEmail = `guest-${seq}@example.com`;
      // A guest checkout (no customer account) makes one profile, the customer's checkout another.
      const guest = checkoutPayload({ token: `tok-guest-${randomUUID()}`, at: T0, email: guestEmail });
      expect(await deliver("checkouts/create", guest, { shop: shop.domain, triggeredAt: T0.toISOString(), webhookId: randomUUID() })).toBe(200);
      await drainAll(() => T0);
      await checkout(at(7));
      expect(await db.profile.count({ where: { shopId: shop.id, mergedIntoId: null } })).toBe(2);
      // The customer's account now carries the guest's address: one person, one score.
      const update = samplePayload("customers/update", (c) => {
        c.id = bigId(customerId);
        c.email = guestEmail;
        c.updated_at = at(7).toISOString();
      });
      expect(await deliver("customers/update", update, { shop: shop.domain, triggeredAt: at(7).toISOString(), webhookId: randomUUID() })).toBe(200);
      await drainAll(() => at(7));
      const people = await db.profile.findMany({ where: { shopId: shop.id, mergedIntoId: null } });
      expect(people).toHaveLength(1);
      const s = (await leadScoreSummary(db, shop.id, people[0].id, at(7)))!;
      expect(s.score).toBeCloseTo(5 * 2 ** (-7 / 14) + 5, 1);
      expect(s.history).toHaveLength(3);
      expect(s.history.map((h) => h.reason)).toContain("Joined with another profile of the same person");
      const merged = await db.profile.findFirstOrThrow({ where: { shopId: shop.id, mergedIntoId: people[0].id } });
      expect(merged).toMatchObject({ leadScore: 0, leadScoreAt: null });
    });

    it("turns scoring off: nothing is scored while disabled", async () => {
      await configure({ enabled: false });
      await checkout(T0);
      expect((await profile()).leadScore).toBe(0);
      expect(await history()).toHaveLength(0);
    });
  });
}
