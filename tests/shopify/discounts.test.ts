// ensureDiscountCode against the local Admin GraphQL server: what is sent, idempotency under retries and races,
// throttling, and which failures are worth retrying.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discountCodeFor } from "../../app/domain/email/discount-code";
import { basicCodeDiscountInput, discountValueInput, ensureDiscountCode, type EnsureDiscountInput } from "../../app/services/discounts.server";
import { recordingAdminClient, startFakeShopifyAdmin, type FakeShopifyAdmin } from "../helpers/fake-shopify-admin";

const T0 = new Date("2026-11-24T12:00:00Z");
const IN_3_DAYS = new Date(T0.getTime() + 3 * 86_400_000);
const SECRET = "discount-test-secret-discount-test-secret";

let fake: FakeShopifyAdmin;
beforeAll(async () => {
  fake = await startFakeShopifyAdmin({ shop: "discounts-test.myshopify.com" });
});
afterAll(() => fake.close());

const client = (options: { maxRetries?: number } = {}) => recordingAdminClient(fake, options);

let messages = 0;
/** A fresh code per test, as the delivery path derives it. */
function input(overrides: Partial<EnsureDiscountInput> = {}): EnsureDiscountInput {
  const code = discountCodeFor({ secret: SECRET, messageId: `msg_${++messages}`, prefix: "thanks" });
  return { code, title: `Come back: 10% off (${code})`, kind: "percentage", value: 10, startsAt: T0, endsAt: IN_3_DAYS, ...overrides };
}

const creates = (code: string) => fake.store.callsOf("discountCodeBasicCreate").filter((c) => (c.variables.basicCodeDiscount as { code: string }).code === code);

describe("ensureDiscountCode", () => {
  it("creates a one-use, once-per-customer code for that customer only, on all items, expiring at endsAt", async () => {
    const { admin } = client();
    const request = input({ customerId: "7001" });
    const result = await ensureDiscountCode(admin, request);

    const stored = fake.store.discountByCode(request.code);
    expect(result).toEqual({ ok: true, code: request.code, discountId: stored?.id, created: true, endsAt: IN_3_DAYS });
    expect(stored).toMatchObject({
      code: request.code,
      title: request.title,
      startsAt: T0.toISOString(),
      endsAt: IN_3_DAYS.toISOString(),
      usageLimit: 1,
      appliesOncePerCustomer: true,
      customers: ["gid://shopify/Customer/7001"],
      value: { percentage: 0.1 },
      allItems: true,
    });
    // Looked up first, then created: the lookup is what makes a retried send harmless.
    const calls = fake.store.calls.filter((c) => JSON.stringify(c.variables).includes(request.code)).map((c) => c.operation);
    expect(calls).toEqual(["codeDiscountNodeByCode", "discountCodeBasicCreate"]);
    // The current `context` field, not the deprecated customerSelection.
    expect(creates(request.code)[0]?.variables.basicCodeDiscount).toMatchObject({ context: { customers: { add: ["gid://shopify/Customer/7001"] } } });
    expect(creates(request.code)[0]?.variables.basicCodeDiscount).not.toHaveProperty("customerSelection");
  });

  it("sends percentages as fractions and fixed amounts as decimals; without a customer, any buyer may use it", async () => {
    const { admin } = client();
    for (const [value, fraction] of [[15, 0.15], [12.5, 0.125], [33.3, 0.333], [100, 1]] as const) {
      const request = input({ value });
      expect((await ensureDiscountCode(admin, request)).ok).toBe(true);
      expect(fake.store.discountByCode(request.code)?.value).toEqual({ percentage: fraction });
    }
    const fixed = input({ kind: "fixed_amount", value: 5, customerId: "gid://shopify/Customer/7002" });
    expect(await ensureDiscountCode(admin, fixed)).toMatchObject({ ok: true, created: true });
    expect(fake.store.discountByCode(fixed.code)).toMatchObject({ value: { amount: "5", appliesOnEachItem: false }, customers: ["gid://shopify/Customer/7002"] });
    const anyone = input();
    await ensureDiscountCode(admin, anyone);
    expect(fake.store.discountByCode(anyone.code)?.customers).toBe("ALL");
    expect(discountValueInput("fixed_amount", 7.5)).toEqual({ discountAmount: { amount: "7.5", appliesOnEachItem: false } });
  });

  it("finds the code it made before: a second call creates nothing", async () => {
    const { admin } = client();
    const request = input({ customerId: "7003" });
    const first = await ensureDiscountCode(admin, request);
    // A retry days later: the code keeps the expiry it was created with, and says so.
    const again = await ensureDiscountCode(admin, { ...request, startsAt: IN_3_DAYS, endsAt: new Date(IN_3_DAYS.getTime() + 86_400_000) });
    expect(first).toMatchObject({ ok: true, created: true });
    expect(again).toEqual({ ok: true, code: request.code, discountId: first.ok ? first.discountId : "", created: false, endsAt: IN_3_DAYS });
    expect(creates(request.code)).toHaveLength(1);
  });

  it("creates one discount when several senders ask for the same code at once", async () => {
    const request = input({ customerId: "7004" });
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureDiscountCode(client().admin, request)));
    const ids = new Set(results.map((r) => (r.ok ? r.discountId : r.error)));
    expect(ids).toEqual(new Set([fake.store.discountByCode(request.code)?.id]));
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(1);
    expect(fake.store.discounts().filter((d) => d.code === request.code)).toHaveLength(1);
  });

  it("when Shopify says the code is taken (a concurrent creator won), returns that discount", async () => {
    const { admin } = client();
    const request = input();
    fake.store.raceNextDiscountCreate();
    const result = await ensureDiscountCode(admin, request);
    expect(result).toEqual({ ok: true, code: request.code, discountId: fake.store.discountByCode(request.code)?.id, created: false, endsAt: IN_3_DAYS });
    const lookups = fake.store.callsOf("codeDiscountNodeByCode").filter((c) => c.variables.code === request.code);
    expect(lookups).toHaveLength(2);
  });

  it("waits out THROTTLED answers for as long as the bucket needs, then creates the code", async () => {
    const { admin, sleeps } = client();
    const request = input();
    fake.throttleNext(2);
    const result = await ensureDiscountCode(admin, request);
    expect(result).toMatchObject({ ok: true, created: true });
    // 4 points left, 10 needed, 100 restored per second: 60 ms, twice; then the bucket is full again.
    expect(sleeps).toEqual([60, 60]);
  });

  it("reports throttling that outlasts the client's retries as retryable, having created nothing", async () => {
    const { admin } = client({ maxRetries: 1 });
    const request = input();
    fake.throttleNext(3);
    const result = await ensureDiscountCode(admin, request);
    fake.throttleNext(0);
    expect(result).toEqual({ ok: false, error: "HTTP 200: Throttled", retryable: true });
    expect(fake.store.discountByCode(request.code)).toBeNull();
  });

  it("returns a userError about the input as a permanent failure", async () => {
    const { admin } = client();
    const request = input();
    fake.store.userErrorsNext("discountCodeBasicCreate", [
      { field: ["basicCodeDiscount", "customerGets", "items"], code: "INVALID", message: "Items must be present" },
    ]);
    const result = await ensureDiscountCode(admin, request);
    expect(result).toEqual({ ok: false, retryable: false, error: "discountCodeBasicCreate: basicCodeDiscount.customerGets.items: Items must be present [INVALID]" });
    fake.store.userErrorsNext("discountCodeBasicCreate", [{ field: null, code: "INTERNAL_ERROR", message: "Something went wrong" }]);
    expect(await ensureDiscountCode(admin, request)).toMatchObject({ ok: false, retryable: true });
    expect(fake.store.discountByCode(request.code)).toBeNull();
  });

  it("refuses input Shopify would reject without sending anything", async () => {
    const { admin } = client();
    const before = fake.requests.length;
    const bad: Array<[Partial<EnsureDiscountInput>, RegExp]> = [
      [{ value: 0 }, /positive/],
      [{ value: 150 }, /exceed 100/],
      [{ value: Number.NaN }, /positive/],
      [{ endsAt: T0 }, /after startsAt/],
      [{ code: "" }, /code/],
      [{ code: "HAS SPACE" }, /code/],
      [{ code: "X".repeat(256) }, /code/],
      [{ title: " " }, /title/],
      [{ customerId: "gid://shopify/Order/1" }, /customer id/],
      [{ customerId: "12; drop" }, /customer id/],
    ];
    for (const [overrides, message] of bad) {
      const result = await ensureDiscountCode(admin, input(overrides));
      expect(result).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(message) });
    }
    expect(fake.requests.length).toBe(before);
  });

  it("the local server checks the input types as Shopify's schema does", async () => {
    const { admin } = client();
    const mutation = `mutation C($basicCodeDiscount: DiscountCodeBasicInput!) {
      discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) { codeDiscountNode { id } userErrors { field code message } }
    }`;
    const valid = basicCodeDiscountInput(input());
    const typo = await admin.request(mutation, { basicCodeDiscount: { ...valid, usageLimits: 1 } });
    expect(typo).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("usageLimits") });
    const percent = await admin.request(mutation, { basicCodeDiscount: { ...valid, customerGets: { value: { percentage: 10 }, items: { all: true } } } });
    expect(percent).toMatchObject({
      ok: true,
      data: { discountCodeBasicCreate: { codeDiscountNode: null, userErrors: [{ code: "VALUE_OUTSIDE_RANGE" }] } },
    });
  });
});
