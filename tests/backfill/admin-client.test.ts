import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminGraphql, throttleWaitMs } from "../../app/services/shopify-admin.server";
import { startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";

const STATUS = "query { currentBulkOperation { id status } }";

let fake: FakeShopifyAdmin;
beforeAll(async () => {
  fake = await startFakeShopifyAdmin();
});
afterAll(() => fake.close());

function client(overrides: { accessToken?: string; maxRetries?: number; minAvailable?: number } = {}) {
  const sleeps: number[] = [];
  const admin = createAdminGraphql({
    shop: fake.shop,
    accessToken: overrides.accessToken ?? fake.accessToken,
    apiVersion: "2026-07",
    customFetchApi: fake.fetchApi,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => 0, // a frozen clock: the bucket only refills by the waits asked for
    ...(overrides.maxRetries !== undefined ? { maxRetries: overrides.maxRetries } : {}),
    ...(overrides.minAvailable !== undefined ? { minAvailable: overrides.minAvailable } : {}),
  });
  return { admin, sleeps };
}

describe("Admin GraphQL client", () => {
  it("sends the token to the versioned endpoint and returns the data", async () => {
    const { admin, sleeps } = client();
    const result = await admin.request(STATUS);
    expect(result).toEqual({ ok: true, data: { currentBulkOperation: null } });
    expect(fake.requests.at(-1)?.path).toBe("/admin/api/2026-07/graphql.json");
    expect(sleeps).toEqual([]);
  });

  it("waits out THROTTLED answers for as long as the bucket needs to refill, then succeeds", async () => {
    const { admin, sleeps } = client();
    fake.throttleNext(2);
    const before = fake.requests.length;
    expect((await admin.request(STATUS)).ok).toBe(true);
    expect(fake.requests.length - before).toBe(3);
    // 4 points left, 10 needed, 100 restored per second: 60 ms each time.
    expect(sleeps).toEqual([60, 60]);
  });

  it("honours Retry-After on HTTP 429", async () => {
    const { admin, sleeps } = client();
    fake.tooManyRequestsNext(1);
    expect((await admin.request(STATUS)).ok).toBe(true);
    expect(sleeps).toEqual([2000]);
  });

  it("gives up after maxRetries with a retryable failure", async () => {
    const { admin } = client({ maxRetries: 1 });
    fake.throttleNext(5);
    const result = await admin.request(STATUS);
    fake.throttleNext(0);
    expect(result).toEqual({ ok: false, retryable: true, error: "HTTP 200: Throttled" });
  });

  it("waits before sending when the last answer left the bucket below minAvailable", async () => {
    const { admin, sleeps } = client({ minAvailable: 1995 });
    await admin.request(STATUS); // leaves 1990 of 2000
    await admin.request(STATUS);
    expect(sleeps).toEqual([50]);
  });

  it("reports a bad token or query as a permanent failure", async () => {
    const { admin } = client({ accessToken: "wrong" });
    const denied = await admin.request(STATUS);
    expect(denied).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("HTTP 401") });
    const invalid = await client().admin.request("query { nope }");
    expect(invalid).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("Field doesn't exist") });
  });
});

describe("throttleWaitMs", () => {
  const status = { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 };
  it("counts the refill since the status was read and never asks for more than the bucket holds", () => {
    expect(throttleWaitMs(status, 200)).toBe(2000);
    expect(throttleWaitMs(status, 200, 1000)).toBe(1000);
    expect(throttleWaitMs(status, 50)).toBe(0);
    expect(throttleWaitMs(status, 5000)).toBe(18000);
  });
});
