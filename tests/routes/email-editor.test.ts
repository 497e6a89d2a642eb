import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Mailer } from "../../app/services/mailer/types";
import { startFakeResend, type FakeResend } from "../helpers/fake-resend";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

// The email editor of a flow step, through its loader and action with real Requests and the demo login. Test sends
// go to the demo's outbox mailer, or (when a test sets one) to a Resend mailer pointed at a local fake Resend.
const testMailer = vi.hoisted(() => ({ current: null as Mailer | null }));
vi.mock("../../app/services/mailer/resend.server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../app/services/mailer/resend.server")>();
  return { ...actual, mailerFromEnv: (env: Parameters<typeof actual.mailerFromEnv>[0]) => testMailer.current ?? actual.mailerFromEnv(env) };
});

process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const { ensurePresetFlows } = await import("../../app/models/flows.server");
const { switchOnPreset } = await import("../../app/models/flow-definitions.server");
const { createResendMailer } = await import("../../app/services/mailer/resend.server");
const { createSendRateLimiter } = await import("../../app/services/mailer/rate-limiter.server");
const editor = await import("../../app/routes/app.flows.$flowId_.emails.$stepId");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "editor-a-demo.myshopify.com";
const SHOP_B = "editor-b-demo.myshopify.com";

type LoaderData = Exclude<Awaited<ReturnType<typeof editor.loader>>, Response>;
type Reply = {
  intent: string | null;
  ok: boolean;
  error?: string;
  problems?: Array<{ block: number | null; field: string; message: string }>;
  version?: number;
  email?: { subject: string; html: string; text: string };
  profiles?: Array<{ id: string; label: string }>;
};

const CONTENT = {
  subject: 'Welcome, {{ profile.first_name | default: "friend" }}',
  previewText: "Nice to meet you",
  blocks: [
    { type: "heading", text: 'Hello {{ profile.first_name | default: "there" }}' },
    { type: "text", text: "Thanks for joining {{ shop.name }}." },
    { type: "button", label: "Shop now", href: "{{ shop.url }}" },
    { type: "footer" },
  ],
};

let cookieA = "";
let shopA = "";
let welcomeA = "";
let welcomeB = "";
let scriptProfileA = "";
let profileB = "";

async function load(cookie: string | null, flowId: string, stepId: string) {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  return callRoute(editor.loader, new Request(`${BASE}/app/flows/${flowId}/emails/${stepId}`, { headers }), { flowId, stepId });
}

async function send(cookie: string | null, flowId: string, stepId: string, body: string, contentType = "application/json") {
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (cookie) headers.Cookie = cookie;
  const request = new Request(`${BASE}/app/flows/${flowId}/emails/${stepId}`, { method: "POST", headers, body });
  const result = await callRoute(editor.action, request, { flowId, stepId });
  if (!isResponse(result)) throw new Error("the editor action answers with a Response");
  return result;
}

async function act(body: unknown, options: { cookie?: string | null; flowId?: string; stepId?: string } = {}) {
  const response = await send(
    options.cookie === undefined ? cookieA : options.cookie,
    options.flowId ?? welcomeA,
    options.stepId ?? "welcome_1",
    JSON.stringify(body)
  );
  return { status: response.status, reply: (response.status === 302 ? null : await response.json()) as Reply };
}


const versions = () => db.flowVersion.findMany({ orderBy: [{ flowId: "asc" }, { version: "asc" }] });
const flows = () => db.flow.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, currentVersionId: true } });
const snapshot = () => Promise.all([versions(), flows()]);

beforeAll(async () => {
  for (const domain of [SHOP_A, SHOP_B]) {
    const shop = await db.shop.create({
      data: {
        domain,
        name: domain,
        email: `owner@${domain}`,
        isDemo: true,
        settings: { create: { senderName: "Shop", senderEmail: "hello@shop.example" } },
      },
    });
    await ensurePresetFlows(db, shop.id);
    await switchOnPreset(db, shop.id, "welcome");
  }
  shopA = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_A } })).id;
  const shopB = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP_B } })).id;
  welcomeA = (await db.flow.findFirstOrThrow({ where: { shopId: shopA, preset: "welcome" } })).id;
  welcomeB = (await db.flow.findFirstOrThrow({ where: { shopId: shopB, preset: "welcome" } })).id;
  scriptProfileA = (
    await db.profile.create({ data: { shopId: shopA, email: "mallory@example.com", firstName: "<script>alert(1)</script>" } })
  ).id;
  profileB = (await db.profile.create({ data: { shopId: shopB, email: "secret-b@example.com", firstName: "Bartholomew" } })).id;
  cookieA = await demoLoginCookie(SHOP_A);
});

describe("loading the editor", () => {
  it("shows the step's default content, a sample preview and the shop's address for tests", async () => {
    const data = (await load(cookieA, welcomeA, "welcome_1")) as LoaderData;
    expect(data.content.subject).toBe("Welcome to {{ shop.name }}");
    expect(data.content.blocks.length).toBeGreaterThan(2);
    expect(data.step).toMatchObject({ id: "welcome_1", edited: false });
    expect(data.version).toBe(1);
    expect(data.testTo).toBe(`owner@${SHOP_A}`);
    expect(data.preview.ok && data.preview.html).toContain("<html");
    expect(data.profiles.map((p) => p.id)).toContain(scriptProfileA);
    expect(data.profiles.map((p) => p.id)).not.toContain(profileB);

    const html = await renderRoute(editor.default, data);
    expect(html).toMatch(/<iframe[^>]*sandbox=""[^>]*title="Email preview"|<iframe[^>]*title="Email preview"[^>]*sandbox=""/);
    expect(html).toContain("Send test email");
    expect(html).toContain("Reset to default");
    expect(html.match(/Move block \d+ up/g)).toHaveLength(data.content.blocks.length);
  });

  it("is not found for another shop's flow, a step that sends no email, or an unknown step", async () => {
    for (const [flowId, stepId] of [
      [welcomeB, "welcome_1"],
      [welcomeA, "wait_2_days"],
      [welcomeA, "nope"],
      [welcomeA, "x".repeat(200)],
    ]) {
      const result = await load(cookieA, flowId, stepId);
      expect(isResponse(result) && result.status).toBe(404);
    }
  });

  it("sends an unauthenticated request to the login", async () => {
    const result = await load(null, welcomeA, "welcome_1");
    expect(isResponse(result) && result.status).toBe(302);
  });
});

describe("saving", () => {
  it("makes version n+1 with the content, the flow points at it, version n is untouched", async () => {
    const [before] = await versions();
    const { status, reply } = await act({ intent: "save", content: CONTENT });
    expect(status).toBe(200);
    expect(reply).toMatchObject({ intent: "save", ok: true, version: 2 });
    const all = (await versions()).filter((v) => v.flowId === welcomeA);
    expect(all.map((v) => v.version)).toEqual([1, 2]);
    expect(all[0]).toEqual(before);
    const step = (all[1].definition as { steps: Array<{ id: string; subject?: string; content?: unknown }> }).steps.find(
      (s) => s.id === "welcome_1"
    );
    expect(step).toMatchObject({ subject: CONTENT.subject, content: CONTENT });
    expect((await db.flow.findUniqueOrThrow({ where: { id: welcomeA } })).currentVersionId).toBe(all[1].id);

    const data = (await load(cookieA, welcomeA, "welcome_1")) as LoaderData;
    expect(data).toMatchObject({ content: CONTENT, version: 2, step: { edited: true } });
  });

  it("refuses invalid content with the problems beside each block, writing nothing", async () => {
    const before = await snapshot();
    const raw = await act({
      intent: "save",
      content: { ...CONTENT, blocks: [CONTENT.blocks[0], { type: "text", text: "{{ x | raw }}" }] },
    });
    expect(raw.status).toBe(400);
    expect(raw.reply.problems).toContainEqual(expect.objectContaining({ block: 1, field: "text" }));

    const js = await act({
      intent: "save",
      content: { ...CONTENT, blocks: [{ type: "button", label: "Win", href: "javascript:alert(1)" }] },
    });
    expect(js.status).toBe(400);
    expect(js.reply.problems).toContainEqual(expect.objectContaining({ block: 0, field: "href" }));

    const many = await act({ intent: "save", content: { ...CONTENT, blocks: Array.from({ length: 500 }, () => ({ type: "divider" })) } });
    expect(many.status).toBe(400);
    expect(many.reply.problems?.[0].message).toMatch(/at most 50 blocks/);

    const huge = await act({ intent: "save", content: { ...CONTENT, blocks: [{ type: "text", text: "x".repeat(1024 * 1024) }] } });
    expect(huge.status).toBe(413);

    expect((await act({ intent: "save", content: { ...CONTENT, subject: "" } })).status).toBe(400);
    expect((await act({ intent: "save" })).status).toBe(400);
    expect((await act({ intent: "publish", content: CONTENT })).status).toBe(400);
    expect((await send(cookieA, welcomeA, "welcome_1", "{not json")).status).toBe(400);
    expect(
      (await send(cookieA, welcomeA, "welcome_1", new URLSearchParams({ intent: "save" }).toString(), "application/x-www-form-urlencoded"))
        .status
    ).toBe(415);
    expect(await snapshot()).toEqual(before);
  });

  it("cannot save, reset, preview or test another shop's flow: 404 and nothing written or sent", async () => {
    const before = await snapshot();
    for (const body of [
      { intent: "save", content: CONTENT },
      { intent: "reset" },
      { intent: "preview", content: CONTENT, profileId: null },
      { intent: "test", content: CONTENT, profileId: null, toEmail: "me@example.com" },
    ]) {
      const { status } = await act(body, { flowId: welcomeB });
      expect(status).toBe(404);
    }
    expect((await act({ intent: "save", content: CONTENT }, { stepId: "wait_2_days" })).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses unauthenticated and forged requests, writing nothing", async () => {
    const before = await snapshot();
    const forged = cookieA.replace(/=.{8}/, "=AAAAAAAA");
    for (const cookie of [null, forged]) {
      expect((await act({ intent: "save", content: CONTENT }, { cookie })).status).toBe(302);
      expect((await act({ intent: "reset" }, { cookie })).status).toBe(302);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("resets to the preset's default as another new version", async () => {
    const { status, reply } = await act({ intent: "reset" }, { stepId: "welcome_1" });
    expect(status).toBe(200);
    expect(reply).toMatchObject({ intent: "reset", ok: true, version: 3 });
    const data = (await load(cookieA, welcomeA, "welcome_1")) as LoaderData;
    expect(data).toMatchObject({ version: 3, step: { edited: false } });
    expect(data.content.subject).toBe("Welcome to {{ shop.name }}");
  });
});

describe("previewing", () => {
  it("renders sample data, and a real profile of the shop with its name escaped", async () => {
    const sample = await act({ intent: "preview", content: CONTENT, profileId: null });
    expect(sample.status).toBe(200);
    expect(sample.reply.email?.html).toContain("Thanks for joining");

    const real = await act({ intent: "preview", content: CONTENT, profileId: scriptProfileA });
    expect(real.status).toBe(200);
    expect(real.reply.email?.html).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(real.reply.email?.html).not.toContain("<script>alert(1)");
    expect(real.reply.email?.subject).toContain("<script>alert(1)</script>"); // a subject is plain text, not markup
  });

  it("refuses another shop's profile without leaking it", async () => {
    const { status, reply } = await act({ intent: "preview", content: CONTENT, profileId: profileB });
    expect(status).toBe(404);
    expect(JSON.stringify(reply)).not.toMatch(/Bartholomew|secret-b/);
    const search = await act({ intent: "profiles", query: "secret" });
    expect(search.reply.profiles).toEqual([]);
    expect((await act({ intent: "profiles", query: "mallory" })).reply.profiles?.map((p) => p.id)).toEqual([scriptProfileA]);
  });

  it("answers invalid content with its problems and no preview", async () => {
    const { status, reply } = await act({
      intent: "preview",
      content: { ...CONTENT, blocks: [{ type: "text", text: "{% include 'secrets' %}" }] },
      profileId: null,
    });
    expect(status).toBe(400);
    expect(reply.problems).toContainEqual(expect.objectContaining({ block: 0, field: "text" }));
    expect(reply.email).toBeUndefined();
    expect((await act({ intent: "preview", content: CONTENT, profileId: "x".repeat(100) })).status).toBe(400);
  });
});

describe("sending a test email", () => {
  let fake: FakeResend;
  beforeAll(async () => {
    fake = await startFakeResend();
  });
  afterAll(async () => {
    testMailer.current = null;
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    testMailer.current = createResendMailer({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      rateLimiter: createSendRateLimiter({ requestsPerSecond: 1000 }),
      timeoutMs: 2_000,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
  });

  it("sends the content, rendered for the chosen profile, to the address typed, through Resend", async () => {
    const messages = await db.message.count();
    const { status, reply } = await act({ intent: "test", content: CONTENT, profileId: scriptProfileA, toEmail: "merchant@example.com" });
    expect(status).toBe(200);
    expect(reply).toMatchObject({ intent: "test", ok: true });
    expect(fake.delivered).toHaveLength(1);
    const [email] = fake.delivered;
    expect(email.to).toEqual(["merchant@example.com"]);
    expect(email.subject).toMatch(/^\[Test\] Welcome, /);
    expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(email.text).toContain("Thanks for joining");
    expect(await db.message.count()).toBe(messages); // a test is no Message: it counts nowhere
  });

  it("reports a refusal from the provider", async () => {
    fake.reject("bounce@example.com", "This address is on the suppression list.");
    const { status, reply } = await act({ intent: "test", content: CONTENT, profileId: null, toEmail: "bounce@example.com" });
    expect(status).toBe(502);
    expect(reply.ok).toBe(false);
  });

  it("refuses a malformed address, invalid content and another shop's profile without sending", async () => {
    expect((await act({ intent: "test", content: CONTENT, profileId: null, toEmail: "not an address" })).status).toBe(400);
    expect((await act({ intent: "test", content: CONTENT, profileId: null, toEmail: "a@b.c\r\nBcc: x@y.z" })).status).toBe(400);
    expect(
      (
        await act({
          intent: "test",
          content: { ...CONTENT, blocks: [{ type: "button", label: "x", href: "javascript:1" }] },
          profileId: null,
          toEmail: "m@example.com",
        })
      ).status
    ).toBe(400);
    expect((await act({ intent: "test", content: CONTENT, profileId: profileB, toEmail: "m@example.com" })).status).toBe(404);
    expect((await act({ intent: "test", content: CONTENT, profileId: null, toEmail: "m@example.com" }, { cookie: null })).status).toBe(302);
    expect(fake.delivered).toHaveLength(0);
  });

  it("goes to the demo's outbox mailer when no provider is configured", async () => {
    testMailer.current = null;
    const { status, reply } = await act({ intent: "test", content: CONTENT, profileId: null, toEmail: "merchant@example.com" });
    expect(status).toBe(200);
    expect(reply.ok).toBe(true);
    expect(fake.delivered).toHaveLength(0);
  });
});
