// Tenant isolation, route by route (issue 9): with shop A's session, or with a link token issued for shop A, nothing
// of shop B can be read or changed. Every route that takes an id in its path is listed here; a new one fails the
// first test until it has its cases.
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { signOpenToken, signClickToken, signSignupConfirmToken, signUnsubscribeToken } from "../../app/domain/email/tracking-token";
import { callRoute, demoLoginCookie, isResponse } from "../helpers/remix";

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { ensurePresetFlows } = await import("../../app/models/flows.server");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "isolation-a-demo.myshopify.com";
const SHOP_B = "isolation-b-demo.myshopify.com";
const SECRET = process.env.SESSION_SECRET!;
const SEGMENT_B_NAME = "Bea's secret segment";

type Handler = Parameters<typeof callRoute>[0];
type Case = {
  route: string;
  name: string;
  run: () => Promise<Response>;
  /** Statuses that refuse without revealing anything (a redirect for link routes, an image for the open pixel). */
  expect: number[];
  /** Text of shop B's that must not appear in the answer. */
  secretText?: string[];
};

const ids = { shopA: "", shopB: "", profileB: "", emailB: "bea.isolated@lovelace.net", flowA: "", flowB: "", messageB: "", dataRequestB: "", pendingB: "", segmentB: "" };

async function routeModule(name: string) {
  return (await import(`../../app/routes/${name}.tsx`)) as { loader?: Handler; action?: Handler };
}

async function call(route: string, kind: "loader" | "action", path: string, init: RequestInit & { cookie?: boolean } = {}, params: Record<string, string> = {}) {
  const mod = await routeModule(route);
  const handler = kind === "loader" ? mod.loader : mod.action;
  if (!handler) throw new Error(`${route} has no ${kind}`);
  const headers = new Headers(init.headers);
  if (init.cookie !== false) headers.set("Cookie", cookieA);
  const result = await callRoute(handler, new Request(`${BASE}${path}`, { ...init, headers }), params);
  if (isResponse(result)) return result;
  // A loader that returned data for another shop's id: make the failure say so.
  return new Response(JSON.stringify(result), { status: 200 });
}

let cookieA = "";

/** Everything a request could change, for both shops. */
async function snapshot() {
  return {
    profiles: await db.profile.findMany({ orderBy: { id: "asc" } }),
    messages: await db.message.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, firstOpenedAt: true, firstClickedAt: true } }),
    flows: await db.flow.findMany({ orderBy: { id: "asc" } }),
    versions: await db.flowVersion.count(),
    events: await db.event.count(),
    rollups: await db.dailyRollup.findMany({ orderBy: { id: "asc" } }),
    pending: await db.pendingSignup.findMany({ orderBy: { id: "asc" } }),
    inbox: await db.inboxEntry.count(),
    tasks: await db.shopifyTask.count(),
    segments: await db.segment.findMany({ orderBy: { id: "asc" } }),
    memberships: await db.segmentMembership.count(),
  };
}

const json = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
const form = (body: Record<string, string>): RequestInit => ({ method: "POST", body: new URLSearchParams(body), headers: { "Content-Type": "application/x-www-form-urlencoded" } });

function cases(): Case[] {
  const emailStep = "welcome_1";
  const content = { subject: "Hijacked", previewText: "", blocks: [{ type: "text", text: "x" }, { type: "footer" }] };
  return [
    { route: "app.customers.$profileId", name: "read B's customer", expect: [404], secretText: [ids.emailB], run: () => call("app.customers.$profileId", "loader", `/app/customers/${ids.profileB}`, {}, { profileId: ids.profileB }) },
    { route: "app.flows.$flowId", name: "read B's flow", expect: [404], run: () => call("app.flows.$flowId", "loader", `/app/flows/${ids.flowB}`, {}, { flowId: ids.flowB }) },
    { route: "app.flows.$flowId", name: "switch B's flow on", expect: [404], run: () => call("app.flows.$flowId", "action", `/app/flows/${ids.flowB}`, form({ intent: "on" }), { flowId: ids.flowB }) },
    { route: "app.flows.$flowId_.emails.$stepId", name: "read B's email", expect: [404], run: () => call("app.flows.$flowId_.emails.$stepId", "loader", `/app/flows/${ids.flowB}/emails/${emailStep}`, {}, { flowId: ids.flowB, stepId: emailStep }) },
    { route: "app.flows.$flowId_.emails.$stepId", name: "save B's email", expect: [404], run: () => call("app.flows.$flowId_.emails.$stepId", "action", `/app/flows/${ids.flowB}/emails/${emailStep}`, json({ intent: "save", content }), { flowId: ids.flowB, stepId: emailStep }) },
    { route: "app.flows.$flowId_.emails.$stepId", name: "preview A's email as B's customer", expect: [404], secretText: [ids.emailB], run: () => call("app.flows.$flowId_.emails.$stepId", "action", `/app/flows/${ids.flowA}/emails/${emailStep}`, json({ intent: "preview", content, profileId: ids.profileB }), { flowId: ids.flowA, stepId: emailStep }) },
    { route: "app.flows.$flowId_.emails.$stepId", name: "search B's customers from A's editor", expect: [200], secretText: [ids.emailB], run: () => call("app.flows.$flowId_.emails.$stepId", "action", `/app/flows/${ids.flowA}/emails/${emailStep}`, json({ intent: "profiles", query: "bea" }), { flowId: ids.flowA, stepId: emailStep }) },
    { route: "app.outbox.$id", name: "read B's sent email", expect: [404], secretText: [ids.emailB], run: () => call("app.outbox.$id", "loader", `/app/outbox/${ids.messageB}`, {}, { id: ids.messageB }) },
    { route: "app.data-requests.$id", name: "download B's data request", expect: [404], secretText: [ids.emailB], run: () => call("app.data-requests.$id", "loader", `/app/data-requests/${ids.dataRequestB}`, {}, { id: ids.dataRequestB }) },
    { route: "app.segments.$segmentId", name: "read B's segment", expect: [404], secretText: [SEGMENT_B_NAME, ids.emailB], run: () => call("app.segments.$segmentId", "loader", `/app/segments/${ids.segmentB}`, {}, { segmentId: ids.segmentB }) },
    { route: "app.segments.$segmentId", name: "count on B's segment", expect: [404], run: () => call("app.segments.$segmentId", "action", `/app/segments/${ids.segmentB}`, form({ intent: "count", conditions: JSON.stringify({ kind: "all", of: [] }) }), { segmentId: ids.segmentB }) },
    { route: "app.segments.$segmentId", name: "change B's segment", expect: [404], run: () => call("app.segments.$segmentId", "action", `/app/segments/${ids.segmentB}`, form({ intent: "save", name: "Hijacked", conditions: JSON.stringify({ kind: "all", of: [] }) }), { segmentId: ids.segmentB }) },
    { route: "app.segments.$segmentId", name: "delete B's segment", expect: [404], run: () => call("app.segments.$segmentId", "action", `/app/segments/${ids.segmentB}`, form({ intent: "delete" }), { segmentId: ids.segmentB }) },
    { route: "app.segments.$segmentId_.export", name: "export B's segment", expect: [404], secretText: [ids.emailB], run: () => call("app.segments.$segmentId_.export", "loader", `/app/segments/${ids.segmentB}/export`, {}, { segmentId: ids.segmentB }) },
    {
      route: "t.o.$token",
      name: "open B's message with a token for shop A",
      expect: [200],
      run: () => {
        const token = signOpenToken({ shopId: ids.shopA, messageId: ids.messageB }, SECRET);
        return call("t.o.$token", "loader", `/t/o/${token}`, { cookie: false }, { token });
      },
    },
    {
      route: "t.c.$token",
      name: "click B's message with a token for shop A",
      expect: [302, 303],
      run: () => {
        const token = signClickToken({ shopId: ids.shopA, messageId: ids.messageB, url: "https://isolation-a.example/" }, SECRET)!;
        return call("t.c.$token", "loader", `/t/c/${token}`, { cookie: false }, { token });
      },
    },
    {
      route: "u.$token",
      name: "unsubscribe B's customer with a token for shop A",
      expect: [404],
      secretText: [ids.emailB],
      run: () => {
        const token = signUnsubscribeToken({ shopId: ids.shopA, profileId: ids.profileB, messageId: ids.messageB }, SECRET);
        return call("u.$token", "action", `/u/${token}`, { ...form({ action: "unsubscribe" }), cookie: false }, { token });
      },
    },
    {
      route: "u.$token",
      name: "read B's customer's preferences with a token for shop A",
      expect: [404],
      secretText: [ids.emailB],
      run: () => {
        const token = signUnsubscribeToken({ shopId: ids.shopA, profileId: ids.profileB, messageId: null }, SECRET);
        return call("u.$token", "loader", `/u/${token}`, { cookie: false }, { token });
      },
    },
    {
      route: "signup.confirm.$token",
      name: "confirm B's pending signup with a token for shop A",
      expect: [404],
      secretText: [ids.emailB],
      run: () => {
        const token = signSignupConfirmToken({ shopId: ids.shopA, signupId: ids.pendingB }, SECRET);
        return call("signup.confirm.$token", "action", `/signup/confirm/${token}`, { ...form({ action: "confirm" }), cookie: false }, { token });
      },
    },
  ];
}

describe("tenant isolation", () => {
  beforeAll(async () => {
    for (const domain of [SHOP_A, SHOP_B]) {
      const shop = await db.shop.create({ data: { domain, name: domain, isDemo: true, settings: { create: {} } } });
      await ensurePresetFlows(db, shop.id);
    }
    ids.shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
    ids.shopB = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id;
    ids.flowA = (await db.flow.findFirstOrThrow({ where: { shopId: ids.shopA, preset: "welcome" } })).id;
    ids.flowB = (await db.flow.findFirstOrThrow({ where: { shopId: ids.shopB, preset: "welcome" } })).id;
    const profile = await db.profile.create({
      data: { shopId: ids.shopB, email: ids.emailB, firstName: "Bea", emailConsent: "subscribed", identities: { create: [{ shopId: ids.shopB, kind: "email", value: ids.emailB }] } },
    });
    ids.profileB = profile.id;
    ids.messageB = (
      await db.message.create({
        data: { shopId: ids.shopB, profileId: profile.id, toEmail: ids.emailB, subject: "For Bea only", idempotencyKey: "iso-1", status: "sent", sentAt: new Date(), html: "<p>Bea</p>", text: "Bea", provider: "outbox" },
      })
    ).id;
    ids.dataRequestB = (await db.dataRequest.create({ data: { shopId: ids.shopB, requestId: "9001", email: ids.emailB, export: { profile: { email: ids.emailB } } } })).id;
    ids.pendingB = (await db.pendingSignup.create({ data: { shopId: ids.shopB, email: ids.emailB, formKey: "footer", expiresAt: new Date(Date.now() + 86_400_000) } })).id;
    ids.segmentB = (await db.segment.create({ data: { shopId: ids.shopB, name: SEGMENT_B_NAME, conditions: { kind: "all", of: [] } } })).id;
    cookieA = await demoLoginCookie(SHOP_A, BASE);
  });

  it("covers every route that takes an id in its path", () => {
    const withIds = readdirSync("app/routes")
      .filter((file) => file.includes("$") && !file.startsWith("auth."))
      .map((file) => file.replace(/\.tsx?$/, ""))
      .sort();
    const covered = [...new Set(cases().map((c) => c.route))].sort();
    expect(covered).toEqual(withIds);
  });

  it("lets shop A's session and shop A's links read and change nothing of shop B", async () => {
    for (const c of cases()) {
      const before = await snapshot();
      const response = await c.run();
      const body = await response.text();
      expect({ case: c.name, status: response.status }).toEqual({ case: c.name, status: expect.toSatisfy((s: number) => c.expect.includes(s)) });
      for (const text of c.secretText ?? []) expect({ case: c.name, leaked: body.includes(text) }).toEqual({ case: c.name, leaked: false });
      expect({ case: c.name, after: await snapshot() }).toEqual({ case: c.name, after: before });
    }
  });

  it("still serves shop A its own data through the same routes (the refusals above are not a broken route)", async () => {
    const profileA = await db.profile.create({ data: { shopId: ids.shopA, email: "ann.isolated@lovelace.net", firstName: "Ann" } });
    const own = await call("app.customers.$profileId", "loader", `/app/customers/${profileA.id}`, {}, { profileId: profileA.id });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("ann.isolated@lovelace.net");
    expect((await call("app.flows.$flowId", "loader", `/app/flows/${ids.flowA}`, {}, { flowId: ids.flowA })).status).toBe(200);
  });
});
