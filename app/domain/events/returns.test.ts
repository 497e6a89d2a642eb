import { describe, expect, it } from "vitest";
import { big, expectError, expectOk, fixtureText, fixtureWith, type Payload } from "./fixtures.test-helper";
import { normalizeWebhook } from "./normalize";

const triggeredAt = new Date("2024-07-01T12:00:00Z");

describe("returns/request, returns/approve, returns/close", () => {
  it("maps each sample to one Returned Order per stage, linked by orderId, with no identity", () => {
    const cases = [
      ["returns/request", "requested", "requested"],
      ["returns/approve", "approved", "open"],
      ["returns/close", "closed", "closed"],
    ] as const;
    for (const [topic, stage, status] of cases) {
      const n = expectOk(normalizeWebhook(topic, fixtureText(topic), { triggeredAt }));
      expect(n.identity).toEqual({});
      expect(n.events).toHaveLength(1);
      expect(n.events[0]).toMatchObject({
        name: "Returned Order",
        occurredAt: triggeredAt,
        sourceId: `return:123134564567890:${stage}`,
        properties: { status, stage, returnId: "123134564567890", orderId: "4783296544821", returnLineItems: [] },
      });
    }
  });

  it("keeps the sample's exchange line items, ids as strings", () => {
    const n = expectOk(normalizeWebhook("returns/approve", fixtureText("returns/approve"), { triggeredAt }));
    expect(n.events[0]?.properties).toMatchObject({
      totalReturnLineItems: 2,
      exchangeLineItems: [{ id: "987654321283476", admin_graphql_api_id: "gid://shopify/ExchangeLineItem/987654321283476", line_item: null }],
    });
  });

  it("carries return line items as sent, with big and small ids as exact strings", () => {
    const body = fixtureWith("returns/request", (r: Payload) => {
      r.id = big("18446744073709551615");
      r.order.id = big("820982911946154508");
      r.return_line_items = [
        { id: 42, quantity: 1, return_reason: "SIZE_TOO_SMALL", fulfillment_line_item: { id: big("9007199254740993"), line_item: { id: 7 } } },
      ];
    });
    const [event] = expectOk(normalizeWebhook("returns/request", body, { triggeredAt })).events;
    expect(event?.sourceId).toBe("return:18446744073709551615:requested");
    expect(event?.properties.orderId).toBe("820982911946154508");
    expect(event?.properties.returnLineItems).toEqual([
      { id: "42", quantity: 1, return_reason: "SIZE_TOO_SMALL", fulfillment_line_item: { id: "9007199254740993", line_item: { id: "7" } } },
    ]);
  });

  it("prefers a timestamp in the payload over the delivery's", () => {
    const body = fixtureWith("returns/close", (r: Payload) => (r.updated_at = "2024-06-30T08:00:00-04:00"));
    expect(expectOk(normalizeWebhook("returns/close", body, { triggeredAt })).events[0]?.occurredAt).toEqual(new Date("2024-06-30T12:00:00Z"));
  });

  it("rejects an undatable return (no triggeredAt) and one without an order id", () => {
    expect(expectError(normalizeWebhook("returns/request", fixtureText("returns/request")))).toMatch(
      /^returns\/request: the payload has no timestamp/,
    );
    const noOrder = fixtureWith("returns/close", (r: Payload) => delete r.order_id);
    expect(expectError(normalizeWebhook("returns/close", noOrder, { triggeredAt }))).toBe("returns/close: no order id (order.id or order_id)");
    const noId = fixtureWith("returns/approve", (r: Payload) => delete r.id);
    expect(expectError(normalizeWebhook("returns/approve", noId, { triggeredAt }))).toMatch(/^returns\/approve: id: /);
  });

  it("is pure", () => {
    const body = fixtureText("returns/approve");
    expect(normalizeWebhook("returns/approve", body, { triggeredAt })).toEqual(normalizeWebhook("returns/approve", body, { triggeredAt }));
  });
});
