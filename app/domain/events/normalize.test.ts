import { describe, expect, it } from "vitest";
import { expectOk, fixtureText } from "./fixtures.test-helper";
import { isWebhookTopic, normalizeWebhook, WEBHOOK_TOPICS } from "./normalize";

const context = { triggeredAt: new Date("2024-07-01T12:00:00Z") };

describe("normalizeWebhook", () => {
  it("handles exactly the subscribed topics", () => {
    expect(WEBHOOK_TOPICS).toEqual([
      "orders/create", "orders/paid", "orders/updated", "orders/cancelled", "orders/fulfilled", "refunds/create",
      "checkouts/create", "checkouts/update", "returns/request", "returns/approve", "returns/close",
      "customers/create", "customers/update", "customers/delete", "customers_email_marketing_consent/update",
    ]);
    expect(isWebhookTopic("orders/create")).toBe(true);
    expect(isWebhookTopic("customers/redact")).toBe(false);
    expect(isWebhookTopic("ORDERS/CREATE")).toBe(false);
  });

  it("gives ok:false, naming the topic, for a body that is not JSON or not an object", () => {
    for (const topic of WEBHOOK_TOPICS) {
      expect(normalizeWebhook(topic, "<html>502</html>", context)).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^${topic}: invalid JSON: `)) });
      const array = normalizeWebhook(topic, "[]", context);
      expect(array.ok).toBe(false);
      expect(!array.ok && array.error.startsWith(`${topic}: `)).toBe(true);
    }
  });

  it("normalises every sample, purely (same body twice -> deep-equal output), ids always strings", () => {
    for (const topic of WEBHOOK_TOPICS) {
      const body = topic === "customers/delete" ? '{"id": 706405506930370084}' : fixtureText(topic);
      const first = expectOk(normalizeWebhook(topic, body, context));
      expect(normalizeWebhook(topic, body, context)).toEqual({ ok: true, value: first });
      const ids = JSON.stringify(first, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
      expect(ids).not.toMatch(/"(?:\w+Id|id)":\d/); // no numeric id anywhere in the output
      for (const event of first.events) expect(event.sourceId).not.toMatch(/undefined|null|\[object/);
    }
  });
});
