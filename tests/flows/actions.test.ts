// Non-email flow actions end to end: signed webhook -> inbox -> event -> flow worker -> profile update and
// suppression, tagsAdd on the fake Admin API, and signed merchant webhooks that never reach private addresses.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { FlowDefinition } from "../../app/domain/flows/definition";
import type { Action } from "../../app/domain/flows/run";
import { ensureShop } from "../../app/models/shop.server";
import { postWebhook, webhookSecretFor, type Resolver, type WebhookOptions } from "../../app/services/outgoing-webhook.server";
import { createAdminGraphql } from "../../app/services/shopify-admin.server";
import { applyProfileUpdate, type FlowActionDeps } from "../../app/worker/flow-actions.server";
import { advanceDueRuns, triggerFlows } from "../../app/worker/flow-worker.server";
import { gid, startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";
import { createLiveFlow, eventFlow } from "../helpers/flows";
import { deliver, drainAll } from "../helpers/ingest";
import { checkoutPayload } from "../helpers/payloads";

const SHOP = "flows-actions.myshopify.com";
const SESSION_SECRET = "test-session-secret-test-session-secret";
const T0 = new Date("2026-11-20T09:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const CUSTOMER = "9600000000000001";
const EMAIL = "actions@example.com";

// A merchant endpoint: listens on 127.0.0.2 (the one address the test overrides allow) and, on the same port,
// on 127.0.0.1, so that a request the policy should have refused would be seen here too.
type Received = { path: string; host: string | undefined; headers: IncomingMessage["headers"]; body: string; local: string };
const received: Received[] = [];
const servers: Server[] = [];
let port = 0;

async function handle(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  received.push({ path: req.url ?? "", host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), local: req.socket.localAddress ?? "" });
  if (req.url?.startsWith("/redirect-private")) {
    res.writeHead(307, { Location: "https://127.0.0.1/stolen" });
    return res.end();
  }
  if (req.url?.startsWith("/redirect-loop")) {
    res.writeHead(302, { Location: "/redirect-loop" });
    return res.end();
  }
  if (req.url?.startsWith("/redirect-ok")) {
    res.writeHead(308, { Location: "/flows?after=redirect" });
    return res.end();
  }
  if (req.url?.startsWith("/fail")) {
    res.writeHead(503);
    return res.end();
  }
  res.writeHead(204);
  res.end();
}

const fakeDns: Record<string, string[]> = {
  "hooks.merchant.test": ["127.0.0.2"],
  "internal.merchant.test": ["127.0.0.1"],
  "mixed.merchant.test": ["93.184.216.34", "10.0.0.1"],
};
const resolve: Resolver = async (hostname) => {
  const addresses = fakeDns[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
const webhookOptions = (): WebhookOptions => ({ resolve, testOverrides: { allowAddresses: ["127.0.0.2"], plaintextPort: port } });

const verify = (secret: string, r: Received) =>
  r.headers["x-signature"] === `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`;

let fake: FakeShopifyAdmin;
let shopId: string;

beforeAll(async () => {
  const first = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ok) => first.listen(0, "127.0.0.2", ok));
  port = (first.address() as AddressInfo).port;
  const second = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ok, fail) => second.once("error", fail).listen(port, "127.0.0.1", ok));
  servers.push(first, second);
  fake = await startFakeShopifyAdmin({ shop: SHOP });
});

afterAll(async () => {
  await fake.close();
  for (const server of servers) await new Promise<void>((ok) => server.close(() => ok()));
});

beforeEach(() => {
  received.length = 0;
  fake.tagCalls.length = 0;
});

describe("postWebhook: the address policy", () => {
  const request = (url: string) => ({ url, body: JSON.stringify({ hello: "world" }), secret: "s3cret", idempotencyKey: "run:step:1:" });

  it("posts the signed body to an allowed endpoint, keeping the host name and the idempotency key", async () => {
    const result = await postWebhook(request("https://hooks.merchant.test/flows?x=1"), webhookOptions());
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: "/flows?x=1", host: "hooks.merchant.test", body: '{"hello":"world"}', local: "127.0.0.2" });
    expect(received[0].headers["idempotency-key"]).toBe("run:step:1:");
    expect(verify("s3cret", received[0])).toBe(true);
  });

  it("follows a redirect to an allowed address, re-checking it", async () => {
    const result = await postWebhook(request("https://hooks.merchant.test/redirect-ok"), webhookOptions());
    expect(result).toMatchObject({ ok: true, status: 204, hops: 1 });
    expect(received.map((r) => r.path)).toEqual(["/redirect-ok", "/flows?after=redirect"]);
  });

  it.each([
    ["https://127.0.0.1/hook", "loopback_address 127.0.0.1"],
    ["https://10.1.2.3/hook", "private_address 10.1.2.3"],
    ["https://169.254.169.254/latest/meta-data/", "link_local_address 169.254.169.254"],
    ["https://[::1]/hook", "loopback_address ::1"],
    ["https://[fd00::1]/hook", "unique_local_address fd00::1"],
    ["https://[::ffff:127.0.0.1]/hook", "loopback_address ::ffff:7f00:1"],
    ["https://100.64.1.1/hook", "cgnat_address 100.64.1.1"],
    ["https://2130706433/hook", "loopback_address 127.0.0.1"],
    ["https://internal.merchant.test/hook", "loopback_address 127.0.0.1"],
    ["https://mixed.merchant.test/hook", "private_address 10.0.0.1"],
    ["http://hooks.merchant.test/hook", "not_https"],
  ])("refuses %s before any request (%s)", async (url, reason) => {
    // The real policy: no overrides (plain resolver injected only for the host names).
    const refused = await postWebhook(request(url), { resolve });
    expect(refused).toMatchObject({ ok: false, refused: true, reason });
    // With the test override too: only 127.0.0.2 is allowed, so these are still refused.
    if (!url.startsWith("http:")) expect(await postWebhook(request(url), webhookOptions())).toMatchObject({ ok: false, refused: true, reason });
    expect(received).toHaveLength(0);
  });

  it("resolves with the system resolver by default: localhost is refused", async () => {
    expect(await postWebhook(request(`https://localhost:${port}/hook`))).toMatchObject({ ok: false, refused: true, reason: expect.stringMatching(/^loopback_address /) });
    expect(received).toHaveLength(0);
  });

  it("refuses a redirect to a private address, without requesting it", async () => {
    const result = await postWebhook(request("https://hooks.merchant.test/redirect-private"), webhookOptions());
    expect(result).toMatchObject({ ok: false, refused: true, reason: "loopback_address 127.0.0.1", url: "https://127.0.0.1/stolen" });
    expect(received.map((r) => r.path)).toEqual(["/redirect-private"]);
  });

  it("stops after 3 redirects, and reports 5xx as retryable", async () => {
    expect(await postWebhook(request("https://hooks.merchant.test/redirect-loop"), webhookOptions())).toMatchObject({
      ok: false, refused: false, retryable: false, error: "too_many_redirects",
    });
    expect(received).toHaveLength(4);
    expect(await postWebhook(request("https://hooks.merchant.test/fail"), webhookOptions())).toMatchObject({ ok: false, refused: false, retryable: true, status: 503 });
  });

  it("does not accept test overrides in production", async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await expect(postWebhook(request("https://hooks.merchant.test/flows"), webhookOptions())).rejects.toThrow(/not allowed in production/);
    } finally {
      process.env.NODE_ENV = before;
    }
    expect(received).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const WEBHOOK_STEPS: Array<[id: string, url: string]> = [
  ["hook", "https://hooks.merchant.test/flows"],
  ["hook_redirect", "https://hooks.merchant.test/redirect-private"],
  ["hook_loopback", "https://127.0.0.1/hook"],
  ["hook_private", "https://10.0.0.5/hook"],
  ["hook_metadata", "https://169.254.169.254/latest/meta-data/"],
  ["hook_v6", "https://[::1]/hook"],
  ["hook_rebind", "https://internal.merchant.test/hook"],
];

const DEFINITION: FlowDefinition = eventFlow("Started Checkout", [
  { id: "mark", kind: "update_profile", set: { vip: true, tier: "gold", firstName: "Annie", ordersCount: 99 }, suppress: { reason: "sunset" }, next: "tag" },
  { id: "tag", kind: "tag_customer", add: ["flow-vip", "checkout"], remove: [], next: WEBHOOK_STEPS[0][0] },
  ...WEBHOOK_STEPS.map(([id, url], i) => ({
    id,
    kind: "webhook" as const,
    url,
    ...(id === "hook" ? { body: { campaign: "vip" } } : {}),
    next: WEBHOOK_STEPS[i + 1]?.[0] ?? null,
  })),
]);

const createFlow = (definition: FlowDefinition) => createLiveFlow(db, shopId, definition, "Actions");

function deps(): FlowActionDeps {
  return {
    adminFor: async (domain) => {
      expect(domain).toBe(SHOP);
      return createAdminGraphql({ shop: SHOP, accessToken: fake.accessToken, apiVersion: "2026-07", customFetchApi: fake.fetchApi, maxRetries: 0, sleep: async () => {} });
    },
    webhookSecret: (id) => webhookSecretFor(SESSION_SECRET, id),
    webhook: webhookOptions(),
  };
}

let cursor = new Date(0);
async function tick(now: Date) {
  await drainAll(() => now);
  const triggered = await triggerFlows(db, { shopId, since: cursor, now });
  cursor = triggered.cursor;
  const advanced = await advanceDueRuns(db, { owner: "worker-1", now, actions: deps() });
  return { triggered, advanced };
}

async function startCheckout() {
  const body = checkoutPayload({ token: `tok-${CUSTOMER}`, at: T0, email: EMAIL, customerId: CUSTOMER, firstName: "Ann" });
  expect(await deliver("checkouts/create", body, { shop: SHOP, triggeredAt: T0.toISOString() })).toBe(200);
}

type StoredState = {
  skips: Array<{ stepId: string; reason: string; detail: string | null }>;
  actions: Array<{ key: string; stepId: string; outcome: string; detail: string | null; previous?: Record<string, unknown> }>;
  pending: Array<{ attempts: number; nextAttemptAt: string }>;
};
const runState = async () => {
  const run = await db.flowRun.findFirstOrThrow({ where: { shopId } });
  return { run, state: run.state as unknown as StoredState };
};

describe("flow actions through the worker", () => {
  beforeEach(async () => {
    await db.shop.deleteMany();
    shopId = (await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"))).id;
    cursor = new Date(0);
  });

  it("updates and suppresses the profile, tags the customer and posts the webhook exactly once; private targets are skipped", async () => {
    await createFlow(DEFINITION);
    await startCheckout();
    const first = await tick(at(1));
    expect(first.triggered.started).toBe(1);
    for (const minutes of [2, 5, 60, 600]) await tick(at(minutes));

    const { run, state } = await runState();
    expect(run).toMatchObject({ status: "completed", nextRunAt: null, leaseOwner: null });
    expect(state.pending).toEqual([]);

    // update_profile: properties merged, a writable column set, a computed one refused; suppression with undo data.
    const profile = await db.profile.findFirstOrThrow({ where: { shopId, email: EMAIL } });
    expect(profile.properties).toMatchObject({ vip: true, tier: "gold" });
    expect(profile.firstName).toBe("Annie");
    expect(profile.ordersCount).toBe(0);
    const suppressions = await db.suppression.findMany({ where: { shopId } });
    expect(suppressions).toHaveLength(1);
    expect(suppressions[0]).toMatchObject({ email: EMAIL, reason: "sunset" });
    const source = JSON.parse(suppressions[0].source!);
    expect(source).toMatchObject({ by: "flow", key: `${run.id}:mark:1:`, runId: run.id, stepId: "mark", previous: { vip: null, tier: null, firstName: "Ann" } });
    const mark = state.actions.find((a) => a.stepId === "mark")!;
    expect(mark).toMatchObject({ outcome: "done", detail: "not writable: ordersCount; suppressed", previous: { vip: null, tier: null, firstName: "Ann" } });

    // tag_customer: one tagsAdd for the profile's customer.
    expect(fake.tagCalls).toEqual([{ mutation: "tagsAdd", id: gid("Customer", CUSTOMER), tags: ["flow-vip", "checkout"] }]);
    expect(fake.tagsOf(gid("Customer", CUSTOMER))).toEqual(["checkout", "flow-vip"]);

    // webhook: delivered once, signed with the shop's secret; the redirect hop was requested, its private target not.
    const hooks = received.filter((r) => r.path === "/flows");
    expect(hooks).toHaveLength(1);
    expect(verify(webhookSecretFor(SESSION_SECRET, shopId), hooks[0])).toBe(true);
    expect(hooks[0].headers["idempotency-key"]).toBe(`${run.id}:hook:1:`);
    expect(JSON.parse(hooks[0].body)).toMatchObject({
      event: { name: "Started Checkout" },
      profile: { id: profile.id, email: EMAIL },
      flow: { id: run.flowId, version: 1, runId: run.id },
      step: { id: "hook" },
      sentAt: at(1).toISOString(),
      data: { campaign: "vip" },
    });
    expect(received.map((r) => r.path).sort()).toEqual(["/flows", "/redirect-private"]);

    // Refusals are skips with reasons.
    expect(state.skips.map((s) => [s.stepId, s.reason, s.detail])).toEqual([
      ["hook_redirect", "webhook_refused", "loopback_address 127.0.0.1 (https://127.0.0.1/stolen)"],
      ["hook_loopback", "webhook_refused", "loopback_address 127.0.0.1 (https://127.0.0.1/hook)"],
      ["hook_private", "webhook_refused", "private_address 10.0.0.5 (https://10.0.0.5/hook)"],
      ["hook_metadata", "webhook_refused", "link_local_address 169.254.169.254 (https://169.254.169.254/latest/meta-data/)"],
      ["hook_v6", "webhook_refused", "loopback_address ::1 (https://[::1]/hook)"],
      ["hook_rebind", "webhook_refused", "loopback_address 127.0.0.1 (https://internal.merchant.test/hook)"],
    ]);
    expect(await db.dailyRollup.findFirst({ where: { shopId, metric: "skipped:webhook_refused", stepId: "hook_v6" } })).toMatchObject({ value: 1n });
    expect(state.actions.filter((a) => a.outcome === "done").map((a) => a.stepId)).toEqual(["mark", "tag", "hook"]);
  });

  it("retries a throttled tagsAdd on a later pass, and calls it once it goes through", async () => {
    await createFlow({ ...DEFINITION, start: "tag", steps: [{ id: "tag", kind: "tag_customer", add: ["retry-me"], remove: [], next: null }] });
    await startCheckout();
    fake.throttleNext(1);
    await tick(at(1));
    let { run, state } = await runState();
    expect(run).toMatchObject({ status: "running", nextRunAt: at(2), leaseOwner: null });
    expect(state.pending).toMatchObject([{ attempts: 1, nextAttemptAt: at(2).toISOString() }]);
    expect(state.actions.at(-1)).toMatchObject({ stepId: "tag", outcome: "retrying" });
    expect(fake.tagCalls).toHaveLength(0);

    await tick(at(1.5)); // not due yet
    expect(fake.tagCalls).toHaveLength(0);
    await tick(at(2));
    await tick(at(30));
    ({ run, state } = await runState());
    expect(run).toMatchObject({ status: "completed", nextRunAt: null });
    expect(state.pending).toEqual([]);
    expect(fake.tagCalls).toEqual([{ mutation: "tagsAdd", id: gid("Customer", CUSTOMER), tags: ["retry-me"] }]);
  });

  it("skips tagging a profile without a Shopify customer, with the reason", async () => {
    await createFlow({ ...DEFINITION, start: "tag", steps: [{ id: "tag", kind: "tag_customer", add: ["x"], remove: [], next: null }] });
    await startCheckout();
    await drainAll(() => at(0.5));
    await db.profile.updateMany({ where: { shopId }, data: { shopifyCustomerId: null } });
    await tick(at(1));
    await tick(at(5));
    const { run, state } = await runState();
    expect(run.status).toBe("completed");
    expect(state.skips).toMatchObject([{ stepId: "tag", reason: "no_shopify_customer" }]);
    expect(fake.tagCalls).toHaveLength(0);
  });

  it("applyProfileUpdate twice changes nothing the second time, and leaves an existing suppression alone", async () => {
    await startCheckout();
    await drainAll(() => at(0.5));
    const profile = await db.profile.findFirstOrThrow({ where: { shopId, email: EMAIL } });
    const action: Extract<Action, { kind: "update_profile" }> = {
      kind: "update_profile",
      idempotencyKey: "run-x:mark:1:",
      runId: "run-x",
      flowId: "flow-x",
      profileId: profile.id,
      stepId: "mark",
      version: 1,
      variant: "",
      set: { segment: "lapsed" },
      previous: { segment: null },
      suppress: { reason: "sunset" },
    };
    const first = await applyProfileUpdate(db, { shopId, action, now: at(1) });
    const after = await db.profile.findUniqueOrThrow({ where: { id: profile.id } });
    const suppression = await db.suppression.findFirstOrThrow({ where: { shopId } });
    const second = await applyProfileUpdate(db, { shopId, action, now: at(2) });
    expect(first).toMatchObject({ outcome: "done", detail: "suppressed", previous: { segment: null } });
    expect(second).toMatchObject({ outcome: "done", detail: "suppressed" });
    expect(await db.profile.findUniqueOrThrow({ where: { id: profile.id } })).toEqual(after);
    expect(await db.suppression.findMany({ where: { shopId } })).toEqual([suppression]);

    // An address already suppressed for another reason (a bounce) keeps that row.
    await db.suppression.update({ where: { id: suppression.id }, data: { reason: "bounce", source: null } });
    const third = await applyProfileUpdate(db, { shopId, action: { ...action, idempotencyKey: "run-y:mark:1:" }, now: at(3) });
    expect(third.detail).toBe("already suppressed: bounce");
    expect(await db.suppression.findFirstOrThrow({ where: { shopId } })).toMatchObject({ reason: "bounce", source: null });
  });
});
