import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSendRateLimiter } from "../../app/services/mailer/rate-limiter.server";
import {
  batchRequestKey,
  createResendMailer,
  messageRequestKey,
  retryDelayFromHeaders,
  type ResendMailerOptions,
} from "../../app/services/mailer/resend.server";
import type { OutgoingEmail } from "../../app/services/mailer/types";
import { startFakeResend, type FakeResend } from "../helpers/fake-resend";

let fake: FakeResend;

beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

function mailer(options: Partial<ResendMailerOptions> = {}) {
  return createResendMailer({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    rateLimiter: createSendRateLimiter({ requestsPerSecond: 1000 }),
    timeoutMs: 2_000,
    baseDelayMs: 20,
    maxDelayMs: 200,
    ...options,
  });
}

function email(n: number, overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    shopId: "shop_1",
    idempotencyKey: `run${n}:step1:1:`,
    from: '"Northwind" <hello@northwind.example>',
    to: `person${n}@example.com`,
    subject: `Hello ${n}`,
    html: `<p>Hello ${n}</p>`,
    text: `Hello ${n}`,
    headers: { "List-Unsubscribe": `<https://app.example/u/${n}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    tags: [{ name: "message_id", value: `m${n}` }],
    ...overrides,
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => email(from + i));
const idFor = (to: string) => fake.delivered.find((d) => d.to[0] === to)?.id;

describe("Resend mailer", () => {
  it("sends up to 100 emails per batch request and returns Resend's ids in the caller's order", async () => {
    const batch = range(1, 150).reverse();
    const results = await mailer().send(batch);
    expect(fake.requests.map((r) => [r.path, r.status, r.emails])).toEqual([
      ["/emails/batch", 200, 100],
      ["/emails/batch", 200, 50],
    ]);
    expect(fake.delivered).toHaveLength(150);
    results.forEach((result, i) => expect(result).toEqual({ status: "sent", providerMessageId: idFor(batch[i].to) }));
    // Headers and tags pass through untouched.
    const first = fake.delivered.find((d) => d.to[0] === "person1@example.com")!;
    expect(first.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(first.tags).toEqual([{ name: "message_id", value: "m1" }]);
    expect(first.requestKey).toBe(batchRequestKey(range(1, 50))); // 150..51 went first
  });

  it("sends a single email to /emails under the message's own key", async () => {
    const [result] = await mailer().send([email(7, { replyTo: "support@northwind.example" })]);
    expect(fake.requests).toMatchObject([{ path: "/emails", status: 200, requestKey: "shop_1/run7:step1:1:" }]);
    expect(result).toEqual({ status: "sent", providerMessageId: fake.delivered[0].id });
    expect(fake.delivered[0].replyTo).toEqual(["support@northwind.example"]);
  });

  it("derives one key per batch whatever the order, and a different key for another batch", () => {
    expect(batchRequestKey(range(1, 3))).toBe(batchRequestKey(range(1, 3).reverse()));
    expect(batchRequestKey(range(1, 3))).not.toBe(batchRequestKey(range(1, 4)));
    expect(batchRequestKey([{ shopId: "a", idempotencyKey: "k" }])).not.toBe(batchRequestKey([{ shopId: "b", idempotencyKey: "k" }]));
    expect(batchRequestKey(range(1, 3)).length).toBeLessThanOrEqual(256);
    expect(messageRequestKey({ shopId: "s", idempotencyKey: "x".repeat(300) }).length).toBeLessThanOrEqual(256);
  });

  it("waits out a 429 for as long as retry-after says, then sends", async () => {
    fake.rateLimited(1, 1);
    // Waits are recorded, not timed: the mailer's and the limiter's sleeps both land here.
    const waits: number[] = [];
    const record = async (ms: number) => {
      waits.push(ms);
    };
    const limiter = createSendRateLimiter({ requestsPerSecond: 1000, clock: () => 1_000_000, sleep: record });
    const results = await mailer({ sleep: record, rateLimiter: limiter }).send(range(1, 3));
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(1000);
    expect(results.every((r) => r.status === "sent")).toBe(true);
    expect(fake.delivered).toHaveLength(3);
  });

  it("hands a long rate-limit wait back to the caller instead of sleeping through it", async () => {
    fake.rateLimited(1, 120);
    const results = await mailer().send(range(1, 2));
    expect(results).toEqual([
      expect.objectContaining({ status: "retry", afterMs: 120_000 }),
      expect.objectContaining({ status: "retry", afterMs: 120_000 }),
    ]);
    expect(fake.delivered).toHaveLength(0);
  });

  it("rides out a 500 storm with growing backoff, then sends once", async () => {
    fake.serverErrors(4);
    const waits: number[] = [];
    const record = async (ms: number) => {
      waits.push(ms);
    };
    const results = await mailer({ maxAttempts: 6, random: () => 1, sleep: record }).send(range(1, 5));
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
    expect(waits).toEqual([20, 40, 80, 160]);
    expect(results.every((r) => r.status === "sent")).toBe(true);
    expect(fake.delivered).toHaveLength(5);
  });

  it("returns retry when the storm outlasts its attempts, having sent nothing", async () => {
    fake.serverErrors(5);
    const results = await mailer({ maxAttempts: 2 }).send(range(1, 2));
    expect(results.map((r) => r.status)).toEqual(["retry", "retry"]);
    expect(results[0]).toMatchObject({ reason: expect.stringContaining("Resend 500") });
    expect(fake.delivered).toHaveLength(0);
  });

  it("retries a timed-out batch under the same key: Resend replays its answer and nothing is delivered twice", async () => {
    fake.script({ kind: "slow", delayMs: 700 });
    const batch = range(1, 4);
    const results = await mailer({ timeoutMs: 150, baseDelayMs: 150, maxDelayMs: 300, maxAttempts: 10 }).send(batch);
    await fake.settle();
    expect(fake.delivered).toHaveLength(4);
    expect(results).toEqual(batch.map((e) => ({ status: "sent", providerMessageId: idFor(e.to) })));
    expect(new Set(fake.requests.map((r) => r.requestKey))).toEqual(new Set([batchRequestKey(batch)]));
    // While the first request still ran, Resend said so (409); once done, it replayed the first answer.
    expect(fake.requests.some((r) => r.status === 409)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({ status: 200, replayed: true });
  });

  it("retries after a connection dropped once the emails were sent, without sending them again", async () => {
    fake.script({ kind: "drop" });
    const results = await mailer().send(range(1, 2));
    expect(fake.requests.map((r) => r.status)).toEqual(["dropped", 200]);
    expect(fake.delivered).toHaveLength(2);
    expect(results.map((r) => r.status === "sent" && r.providerMessageId)).toEqual([idFor("person1@example.com"), idFor("person2@example.com")]);
  });

  it("fails only the email Resend refuses (422, with Resend's message), and sends the rest", async () => {
    fake.reject("person2@example.com", "The recipient address is on a blocklist.");
    const results = await mailer().send([...range(1, 3), email(4, { to: "not-an-address" })]);
    expect(results[1]).toEqual({ status: "failed", permanent: true, reason: "The recipient address is on a blocklist." });
    expect(results[3]).toMatchObject({ status: "failed", permanent: true, reason: expect.stringContaining("Invalid `to` field") });
    expect([results[0].status, results[2].status]).toEqual(["sent", "sent"]);
    // Strict validation refused the batch as a whole, so the two good emails went out exactly once, alone.
    expect(fake.requests[0]).toMatchObject({ path: "/emails/batch", status: 422 });
    expect(fake.delivered.map((d) => d.to[0]).sort()).toEqual(["person1@example.com", "person3@example.com"]);
  });

  it("does not re-send a batch whose key Resend already accepted with other content", async () => {
    await mailer().send(range(1, 2));
    const changed = range(1, 2).map((e) => ({ ...e, html: "<p>edited</p>" }));
    const results = await mailer().send(changed);
    expect(results[0]).toMatchObject({ status: "failed", permanent: false, reason: expect.stringContaining("invalid_idempotent_request") });
    expect(fake.delivered).toHaveLength(2);
  });

  it("treats a rejected API key as a configuration problem to retry later, not as bad emails", async () => {
    const results = await createResendMailer({ apiKey: "re_wrong", baseUrl: fake.url, rateLimiter: createSendRateLimiter({ requestsPerSecond: 1000 }) }).send(range(1, 2));
    expect(results[0]).toMatchObject({ status: "retry", afterMs: 600_000, reason: expect.stringContaining("invalid_api_key") });
    expect(fake.requests).toHaveLength(1);
  });

  it("paces requests with the shared limiter, and one worker's 429 holds the others", async () => {
    // The limiter's clock stands still and its waits are recorded, so the pacing is checked exactly, not timed.
    const waits: number[] = [];
    const limiter = createSendRateLimiter({
      requestsPerSecond: 10,
      clock: () => 1_000_000,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    });
    const a = mailer({ rateLimiter: limiter });
    const b = mailer({ rateLimiter: limiter });
    await Promise.all([a.send([email(1)]), b.send([email(2)]), a.send([email(3)]), b.send([email(4)])]);
    expect(fake.requests).toHaveLength(4);
    expect([...waits].sort((x, y) => x - y)).toEqual([100, 200, 300]);

    fake.reset();
    waits.length = 0;
    fake.rateLimited(1, 1);
    await a.send([email(5)]); // answered 429 with retry-after 1 s, then sent
    await b.send([email(6)]);
    // Resend's retry-after paused the shared limiter: later sends by any worker waited at least that long.
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.filter((r) => r.status === 200)).toHaveLength(2);
  });

  it("reads retry-after as seconds or an HTTP date, and ratelimit-reset as seconds", () => {
    const now = Date.parse("2026-11-24T12:00:00Z");
    expect(retryDelayFromHeaders({ "retry-after": "2" }, now)).toBe(2000);
    expect(retryDelayFromHeaders({ "retry-after": "Tue, 24 Nov 2026 12:00:05 GMT" }, now)).toBe(5000);
    expect(retryDelayFromHeaders({ "retry-after": "1", "ratelimit-reset": "3" }, now)).toBe(3000);
    expect(retryDelayFromHeaders({ "ratelimit-limit": "2" }, now)).toBeNull();
  });
});

describe("the fake Resend's idempotency", () => {
  const post = (key: string, body: unknown) =>
    fetch(`${fake.url}/emails`, {
      method: "POST",
      headers: { Authorization: `Bearer ${fake.apiKey}`, "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify(body),
    });
  const body = { from: "a@northwind.example", to: ["b@example.com"], subject: "Hi", text: "Hi" };

  it("replays the same key and body without a second send, and refuses the key with another body", async () => {
    const first = await (await post("k1", body)).json();
    const again = await (await post("k1", body)).json();
    expect(again).toEqual(first);
    expect(fake.delivered).toHaveLength(1);
    const other = await post("k1", { ...body, subject: "Other" });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });
    expect(fake.delivered).toHaveLength(1);
  });

  it("asks for the API key", async () => {
    const response = await fetch(`${fake.url}/emails`, { method: "POST", body: JSON.stringify(body) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ name: "missing_api_key" });
  });
});
