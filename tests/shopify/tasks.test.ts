// The Shopify write queue on both databases: tasks performed with their own shop's Admin client, retried with
// backoff, given up, leased so that two workers never perform one task, and re-claimed after a crash.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db, Prisma } from "../../app/db/client.server";
import { ensureShop } from "../../app/models/shop.server";
import { enqueueShopifyTask, type ShopifyTaskKind } from "../../app/models/shopify-tasks.server";
import { createAdminGraphql, type AdminGraphql } from "../../app/services/shopify-admin.server";
import { retryDelayMs, runShopifyTasksOnce, type ShopifyTaskOptions } from "../../app/worker/shopify-tasks.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";

const T0 = new Date("2026-11-24T12:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const EARLIER = "2026-10-01T08:00:00Z";

let fakeA: FakeShopifyAdmin;
let fakeB: FakeShopifyAdmin;
beforeAll(async () => {
  [fakeA, fakeB] = await Promise.all([startFakeShopifyAdmin({ shop: "tasks-a.myshopify.com" }), startFakeShopifyAdmin({ shop: "tasks-b.myshopify.com" })]);
});
afterAll(async () => {
  await Promise.all([fakeA?.close(), fakeB?.close()]);
});

describe.each(["sqlite", "postgresql"] as const)("Shopify tasks on %s", (provider) => {
  let database: TestDatabase;
  let db: Db;
  let count = 0;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
    db = database.prisma;
  });
  afterAll(async () => {
    await database?.cleanup();
  });
  // The worker serves every shop in the database: each test starts with an empty queue so that a task an earlier
  // test left pending cannot fall due inside a later one.
  beforeEach(async () => {
    await db.shopifyTask.deleteMany({});
  });

  /** A fresh shop (served by `fake`), its Admin client factory, and a profile whose customer exists in `fake`. */
  async function setup(fake: FakeShopifyAdmin = fakeA, options: { maxRetries?: number } = {}) {
    const n = ++count;
    const shop = await ensureShop(db, `tasks-${provider}-${n}.myshopify.com`);
    const email = `p${n}-${provider}@example.com`;
    const customer = fake.store.addCustomer({ email, consent: { state: "SUBSCRIBED", at: EARLIER, level: "SINGLE_OPT_IN" } });
    const customerId = customer.id.split("/").at(-1)!;
    const profile = await db.profile.create({ data: { shopId: shop.id, email, shopifyCustomerId: customerId } });
    return { shop, email, customer, customerId, profile, fake, options };
  }
  type Setup = Awaited<ReturnType<typeof setup>>;

  /** adminFor over the shops set up so far: each domain gets its own fake's client, and every call is recorded. */
  function adminFor(...setups: Setup[]) {
    const asked: string[] = [];
    const factory: ShopifyTaskOptions["adminFor"] = async (domain) => {
      asked.push(domain);
      const s = setups.find((x) => x.shop.domain === domain);
      if (!s) throw new Error(`no session for ${domain}`);
      return createAdminGraphql({
        shop: s.fake.shop,
        accessToken: s.fake.accessToken,
        apiVersion: "2026-07",
        customFetchApi: s.fake.fetchApi,
        sleep: async () => {},
        now: () => 0,
        ...(s.options.maxRetries !== undefined ? { maxRetries: s.options.maxRetries } : {}),
      });
    };
    return { factory, asked };
  }

  async function enqueue(s: Setup, kind: ShopifyTaskKind, payload: Prisma.InputJsonValue, key = `${kind}:${s.profile.id}:${count}`) {
    return (await enqueueShopifyTask(db, { shopId: s.shop.id, kind, key, payload, notBefore: T0 })).task;
  }
  const unsubscribe = (s: Setup, extra: Record<string, Prisma.InputJsonValue | null> = {}) =>
    enqueue(s, "consent_update", { profileId: s.profile.id, shopifyCustomerId: s.customerId, email: s.email, state: "unsubscribed", at: T0.toISOString(), ...extra });
  const task = (id: string) => db.shopifyTask.findUniqueOrThrow({ where: { id } });
  const stateOf = (s: Setup) => s.fake.store.customer(s.customer.id)?.emailMarketingConsent?.marketingState;
  const updatesOf = (s: Setup) =>
    s.fake.store.callsOf("customerEmailMarketingConsentUpdate").filter((c) => (c.variables.input as { customerId: string }).customerId === s.customer.id);

  it("writes a queued unsubscribe to the shop's customer and marks the task done", async () => {
    const s = await setup();
    const queued = await unsubscribe(s);
    const { factory, asked } = adminFor(s);
    const summary = await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(1000) });
    expect(summary).toEqual({ claimed: 1, done: 1, retried: 0, failed: 0, skipped: 0 });
    expect(await task(queued.id)).toMatchObject({ status: "done", attempts: 1, doneAt: at(1000), leaseUntil: null, lastError: null });
    expect(stateOf(s)).toBe("UNSUBSCRIBED");
    expect(updatesOf(s).map((c) => c.variables.input)).toEqual([
      { customerId: s.customer.id, emailMarketingConsent: { marketingState: "UNSUBSCRIBED", consentUpdatedAt: T0.toISOString() } },
    ]);
    expect(asked).toEqual([s.shop.domain]);
    // Done is done: another round finds nothing.
    expect((await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(10 * 60_000) })).claimed).toBe(0);
  });

  it("creates a subscribed customer for a queued signup", async () => {
    const s = await setup();
    const email = `signup-${provider}-${count}@example.com`;
    const queued = await enqueue(s, "customer_upsert", { profileId: s.profile.id, email, firstName: "Grace", at: T0.toISOString() });
    await runShopifyTasksOnce(db, { adminFor: adminFor(s).factory, now: () => at(0) });
    expect((await task(queued.id)).status).toBe("done");
    expect(s.fake.store.customers().find((c) => c.email === email)).toMatchObject({ firstName: "Grace", emailMarketingConsent: { marketingState: "SUBSCRIBED" } });
  });

  it("retries a throttled task with exponential backoff, then succeeds", async () => {
    const s = await setup(fakeA, { maxRetries: 0 });
    const queued = await unsubscribe(s);
    const { factory } = adminFor(s);
    s.fake.throttleNext(1);
    expect(await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(0) })).toMatchObject({ claimed: 1, retried: 1 });
    expect(await task(queued.id)).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: at(retryDelayMs(1)), leaseUntil: null, lastError: "HTTP 200: Throttled" });
    // Not due before its backoff is over.
    expect((await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(retryDelayMs(1) - 1) })).claimed).toBe(0);
    expect(await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(retryDelayMs(1)) })).toMatchObject({ claimed: 1, done: 1 });
    expect(await task(queued.id)).toMatchObject({ status: "done", attempts: 2, lastError: null });
    expect(stateOf(s)).toBe("UNSUBSCRIBED");
    expect([retryDelayMs(1), retryDelayMs(2), retryDelayMs(3), retryDelayMs(20)]).toEqual([60_000, 120_000, 240_000, 6 * 3_600_000]);
  });

  it("gives up after the last attempt, keeping the error", async () => {
    const s = await setup(fakeA, { maxRetries: 0 });
    const queued = await unsubscribe(s);
    const { factory } = adminFor(s);
    let clock = 0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      s.fake.throttleNext(1);
      const summary = await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(clock), maxAttempts: 3 });
      expect(summary).toMatchObject(attempt < 3 ? { claimed: 1, retried: 1 } : { claimed: 1, failed: 1 });
      clock += retryDelayMs(attempt);
    }
    expect(await task(queued.id)).toMatchObject({ status: "failed", attempts: 3, lastError: "HTTP 200: Throttled", doneAt: null });
    expect((await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(clock + 86_400_000) })).claimed).toBe(0);
    expect(stateOf(s)).toBe("SUBSCRIBED");
  });

  it("fails at once on an error that will not go away", async () => {
    const s = await setup();
    const queued = await unsubscribe(s);
    s.fake.store.userErrorsNext("customerEmailMarketingConsentUpdate", [{ field: ["input"], code: "INVALID", message: "Nope" }]);
    expect(await runShopifyTasksOnce(db, { adminFor: adminFor(s).factory, now: () => at(0) })).toMatchObject({ claimed: 1, failed: 1 });
    expect(await task(queued.id)).toMatchObject({ status: "failed", attempts: 1, lastError: "customerEmailMarketingConsentUpdate: input: Nope" });
  });

  it("fails tasks of an uninstalled shop and tasks with a bad payload or kind, without asking for a client", async () => {
    const s = await setup();
    const gone = await setup();
    await db.shop.update({ where: { id: gone.shop.id }, data: { uninstalledAt: at(0) } });
    const ofGone = await unsubscribe(gone);
    const badState = await enqueue(s, "consent_update", { profileId: s.profile.id, email: s.email, state: "maybe", at: T0.toISOString() }, "bad-state");
    const badDate = await enqueue(s, "consent_update", { profileId: s.profile.id, email: s.email, state: "subscribed", at: "yesterday" }, "bad-date");
    const badEmail = await enqueue(s, "customer_upsert", { email: "<script>", at: T0.toISOString() }, "bad-email");
    const notAList = await enqueue(s, "consent_update", ["profileId"], "bad-shape");
    const unknown = (await db.shopifyTask.create({ data: { shopId: s.shop.id, kind: "launch_rockets", key: "unknown", payload: {}, nextAttemptAt: T0 } }));
    const { factory, asked } = adminFor(s, gone);
    const summary = await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(0) });
    expect(summary).toEqual({ claimed: 6, done: 0, retried: 0, failed: 6, skipped: 0 });
    expect(asked).toEqual([]);
    expect((await task(ofGone.id)).lastError).toBe("shop_uninstalled");
    expect((await task(badState.id)).lastError).toMatch(/^invalid payload: .*state/s);
    expect((await task(badDate.id)).lastError).toMatch(/^invalid payload: .*at/s);
    expect((await task(badEmail.id)).lastError).toMatch(/^invalid payload: .*email/s);
    expect((await task(notAList.id)).lastError).toMatch(/^invalid payload/);
    expect((await task(unknown.id)).lastError).toBe("unknown task kind: launch_rockets");
    expect(stateOf(gone)).toBe("SUBSCRIBED");
  });

  it("skips demo shops and erased profiles, and retries when the shop's client cannot be had", async () => {
    const demo = await setup();
    await db.shop.update({ where: { id: demo.shop.id }, data: { isDemo: true } });
    const ofDemo = await unsubscribe(demo);
    const erased = await setup();
    const ofErased = await unsubscribe(erased);
    await db.profile.delete({ where: { id: erased.profile.id } });
    const noSession = await setup();
    const ofNoSession = await unsubscribe(noSession);
    const { factory, asked } = adminFor(demo, erased); // no client for noSession's shop
    const summary = await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(0) });
    expect(summary).toEqual({ claimed: 3, done: 0, retried: 1, failed: 0, skipped: 2 });
    expect(asked).toEqual([noSession.shop.domain]);
    expect(await task(ofDemo.id)).toMatchObject({ status: "done", lastError: null });
    expect(await task(ofErased.id)).toMatchObject({ status: "done" });
    expect(await task(ofNoSession.id)).toMatchObject({ status: "pending", attempts: 1, lastError: `admin client: no session for ${noSession.shop.domain}` });
    expect([stateOf(demo), stateOf(erased)]).toEqual(["SUBSCRIBED", "SUBSCRIBED"]);
  });

  it("uses each task's own shop's client: shop A's task never reaches shop B's Admin API", async () => {
    const a = await setup(fakeA);
    const b = await setup(fakeB);
    // The same person is a customer of both shops; only shop A's customer unsubscribed.
    const alsoInB = fakeB.store.addCustomer({ email: a.email, consent: { state: "SUBSCRIBED", at: EARLIER } });
    const bCallsBefore = fakeB.requests.length;
    await unsubscribe(a, { shopifyCustomerId: null });
    const { factory, asked } = adminFor(a, b);
    expect(await runShopifyTasksOnce(db, { adminFor: factory, now: () => at(0) })).toMatchObject({ claimed: 1, done: 1 });
    expect(asked).toEqual([a.shop.domain]);
    expect(stateOf(a)).toBe("UNSUBSCRIBED");
    expect(fakeB.store.customer(alsoInB.id)?.emailMarketingConsent?.marketingState).toBe("SUBSCRIBED");
    expect(fakeB.requests.length).toBe(bCallsBefore);
  });

  it("never lets two claimers perform one task: a leased task is not claimed again", async () => {
    const s = await setup();
    const queued = await unsubscribe(s);
    const { factory } = adminFor(s);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: ShopifyTaskOptions["adminFor"] = async (domain) => {
      entered();
      await gate; // worker A holds the task, mid-flight
      return factory(domain);
    };
    const workerA = runShopifyTasksOnce(db, { adminFor: slow, owner: "a", now: () => at(0), leaseMs: 60_000 });
    await inside;
    const workerB = await runShopifyTasksOnce(db, { adminFor: factory, owner: "b", now: () => at(30_000) });
    expect(workerB.claimed).toBe(0);
    release();
    expect(await workerA).toMatchObject({ claimed: 1, done: 1 });
    expect(updatesOf(s)).toHaveLength(1);
    expect(await task(queued.id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("lets only one of two claimers that saw the same due task win it", async () => {
    const tasks = [];
    const setups = [];
    for (let i = 0; i < 4; i++) {
      const s = await setup();
      setups.push(s);
      tasks.push(await unsubscribe(s));
    }
    const { factory } = adminFor(...setups);
    // Both workers read the candidate list before either tries to claim.
    let waiting = 0;
    let open!: () => void;
    const bothRead = new Promise<void>((resolve) => (open = resolve));
    const synced = (): Db =>
      new Proxy(db, {
        get(target, prop, receiver) {
          if (prop !== "shopifyTask") return Reflect.get(target, prop, receiver);
          let first = true;
          return new Proxy(target.shopifyTask, {
            get(model, method, r) {
              const value = Reflect.get(model, method, r);
              if (method !== "findMany" || typeof value !== "function") return typeof value === "function" ? value.bind(model) : value;
              return async (...args: unknown[]) => {
                const rows = await (value as (...a: unknown[]) => Promise<unknown>).apply(model, args);
                if (first) {
                  first = false;
                  if (++waiting === 2) open();
                  await bothRead;
                }
                return rows;
              };
            },
          });
        },
      });
    const [one, two] = await Promise.all([
      runShopifyTasksOnce(synced(), { adminFor: factory, owner: "one", now: () => at(0) }),
      runShopifyTasksOnce(synced(), { adminFor: factory, owner: "two", now: () => at(0) }),
    ]);
    expect(one.claimed + two.claimed).toBe(4);
    expect(one.done + two.done).toBe(4);
    for (const s of setups) expect(updatesOf(s)).toHaveLength(1);
    for (const t of tasks) expect(await task(t.id)).toMatchObject({ status: "done", attempts: 1 });
  });

  it("takes a crashed worker's task again once its lease expires, and fences the late finisher out", async () => {
    const s = await setup();
    const queued = await unsubscribe(s);
    const { factory } = adminFor(s);
    // Worker A claims the task, then hangs past its lease (a crash would look the same to the others).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const hanging: ShopifyTaskOptions["adminFor"] = async (domain) => {
      entered();
      await gate;
      return factory(domain);
    };
    const workerA = runShopifyTasksOnce(db, { adminFor: hanging, owner: "a", now: () => at(0), leaseMs: 60_000 });
    await inside;
    expect((await task(queued.id)).leaseUntil).toEqual(at(60_000));
    expect((await runShopifyTasksOnce(db, { adminFor: factory, owner: "b", now: () => at(59_999) })).claimed).toBe(0);
    const workerB = await runShopifyTasksOnce(db, { adminFor: factory, owner: "b", now: () => at(60_001) });
    expect(workerB).toMatchObject({ claimed: 1, done: 1 });
    expect(await task(queued.id)).toMatchObject({ status: "done", attempts: 1, doneAt: at(60_001) });

    release();
    // A finishes its (idempotent) write late; its bookkeeping no longer matches the lease and changes nothing.
    expect(await workerA).toEqual({ claimed: 1, done: 0, retried: 0, failed: 0, skipped: 0 });
    expect(await task(queued.id)).toMatchObject({ status: "done", attempts: 1, doneAt: at(60_001) });
    expect(stateOf(s)).toBe("UNSUBSCRIBED");
  });
});
