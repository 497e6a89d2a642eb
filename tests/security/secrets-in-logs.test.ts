// Secrets never reach the logs (issue 9): everything the app writes to the console and to stdout/stderr while things
// go wrong (a revoked Shopify token, a wrong Resend key, an unreachable database with a password in its URL,
// forged webhooks and form posts, an invalid environment) is captured and searched for every secret in play.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { createPrismaClient } from "../../app/db/client.server";
import { InvalidEnvironmentError, loadEnv } from "../../app/env.schema";
import { ensureShop } from "../../app/models/shop.server";
import { enqueueShopifyTask } from "../../app/models/shopify-tasks.server";
import { createResendMailer } from "../../app/services/mailer/resend.server";
import { createAdminGraphql } from "../../app/services/shopify-admin.server";
import { startLoop } from "../../app/worker/loop";
import { runShopifyTasksOnce } from "../../app/worker/shopify-tasks.server";
import { appProxyQuery } from "../helpers/app-proxy";
import { startFakeResend } from "../helpers/fake-resend";
import { startFakeShopifyAdmin } from "../helpers/fake-shopify-admin";
import { WEBHOOK_ROUTES } from "../helpers/ingest";
import { callRoute } from "../helpers/remix";
import { fixtureBody, webhookRequest } from "../helpers/shopify";

const SECRETS = {
  sessionSecret: process.env.SESSION_SECRET!,
  apiSecret: process.env.SHOPIFY_API_SECRET!,
  accessToken: "shpat_0123456789abcdef0123456789abcdef",
  resendKey: "re_LiveKey_9f8e7d6c5b4a39281706",
  databasePassword: "Pg-Pa55word-Never-Logged",
  badEnvSecret: "too-short-but-still-secret",
};

let captured: string[] = [];
const restore: Array<() => void> = [];

beforeEach(() => {
  captured = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      captured.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}\n${JSON.stringify(a)}` : typeof a === "string" ? a : JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? String(v) : v)))).join(" "));
    };
    restore.push(() => (console[method] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
});

afterEach(() => {
  while (restore.length) restore.pop()!();
});

function expectNoSecretIn(texts: string[]) {
  const all = texts.join("\n");
  for (const [name, secret] of Object.entries(SECRETS)) expect({ name, found: all.includes(secret) }).toEqual({ name, found: false });
}

describe("secrets in logs", () => {
  let shopId = "";
  beforeAll(async () => {
    shopId = (await ensureShop(db, "secrets-shop.myshopify.com", new Date("2026-01-01T00:00:00Z"))).id;
  });

  it("a revoked Shopify access token: the task's failure is logged and stored without the token", async () => {
    const fake = await startFakeShopifyAdmin({ shop: "secrets-shop.myshopify.com", accessToken: "shpat_the_one_shopify_accepts" });
    try {
      const profile = await db.profile.create({ data: { shopId, email: "tok@lovelace.net" } });
      await enqueueShopifyTask(db, {
        shopId,
        kind: "consent_update",
        key: `consent:${profile.id}`,
        payload: { profileId: profile.id, email: "tok@lovelace.net", state: "unsubscribed", at: new Date().toISOString() },
      });
      const summary = await runShopifyTasksOnce(db, {
        adminFor: async (shop) => createAdminGraphql({ shop, accessToken: SECRETS.accessToken, apiVersion: "2026-07", customFetchApi: fake.fetchApi, sleep: async () => {}, now: () => 0 }),
        owner: "secrets-test",
      });
      expect(summary.claimed).toBe(1);
      expect(captured.join("\n")).toContain("shopify task consent_update");
      const task = await db.shopifyTask.findFirstOrThrow({ where: { shopId } });
      expectNoSecretIn([...captured, task.lastError ?? ""]);
    } finally {
      await fake.close();
    }
  });

  it("a wrong Resend API key: the send fails without the key in its reason or the logs", async () => {
    const resend = await startFakeResend({ apiKey: "re_the_key_resend_knows" });
    try {
      const mailer = createResendMailer({ apiKey: SECRETS.resendKey, baseUrl: resend.url });
      const [result] = await mailer.send([
        { shopId, idempotencyKey: "secret-test-1", from: "Shop <shop@lovelace.net>", to: "someone@lovelace.net", subject: "Hi", html: "<p>Hi</p>", text: "Hi", headers: {}, tags: [] },
      ]);
      // A rejected key is the operator's to fix: the send waits (retry) rather than failing the email.
      expect(result.status).not.toBe("sent");
      expectNoSecretIn([...captured, JSON.stringify(result)]);
    } finally {
      await resend.close();
    }
  });

  it("an unreachable database whose URL holds a password: the worker's failed round is logged without it", async () => {
    const broken = createPrismaClient(`postgresql://postgres:${SECRETS.databasePassword}@127.0.0.1:9/test`);
    let rounds = 0;
    const loop = startLoop("secrets test worker", async () => {
      rounds++;
      await broken.shopifyTask.count();
      return false;
    }, 60_000);
    await expect.poll(() => captured.some((line) => line.includes("round failed")), { timeout: 15_000 }).toBe(true);
    await loop.stop();
    await broken.$disconnect().catch(() => {});
    expect(rounds).toBe(1);
    expectNoSecretIn(captured);
  });

  it("forged webhooks and form posts are logged without the secrets they were checked against", async () => {
    const body = fixtureBody("orders/create");
    const forged = await callRoute(WEBHOOK_ROUTES["orders/create"].action, webhookRequest({ topic: "orders/create", shop: "secrets-shop.myshopify.com", body, secret: "guess" }));
    expect((forged as Response).status).toBe(401);
    const { action } = await import("../../app/routes/proxy.signup");
    const unsigned = await callRoute(action, new Request(`https://my-test-app.myshopify.io/proxy/signup?${appProxyQuery("secrets-shop.myshopify.com", { secret: "guess" })}`, { method: "POST", body: "email=x" }));
    expect((unsigned as Response).status).toBe(401);
    expect(captured.join("\n")).toMatch(/webhook rejected|signup proxy/);
    expectNoSecretIn(captured);
  });

  it("an invalid environment names the variable, never its value", () => {
    let message = "";
    try {
      loadEnv({ ...process.env, SESSION_SECRET: SECRETS.badEnvSecret, SHOPIFY_API_SECRET: SECRETS.apiSecret });
    } catch (error) {
      if (!(error instanceof InvalidEnvironmentError)) throw error;
      message = error.message;
    }
    expect(message).toContain("SESSION_SECRET");
    expectNoSecretIn([message, ...captured]);
  });
});
