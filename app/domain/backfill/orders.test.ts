import { describe, expect, it } from "vitest";
import { normalizeOrder } from "../events/orders";
import { normalizeBackfilledOrder } from "./orders";

const ORDER_ID = "820982911946154508";
const CUSTOMER_ID = "115310627314723954";

const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "USD" } });

function orderLine(overrides: Record<string, unknown> = {}) {
  return {
    id: `gid://shopify/Order/${ORDER_ID}`,
    name: "#1001",
    email: "Bob@Example.com",
    createdAt: "2026-06-01T12:00:00Z",
    processedAt: "2026-06-01T11:59:00Z",
    updatedAt: "2026-06-02T08:00:00Z",
    cancelledAt: null,
    test: false,
    currencyCode: "USD",
    totalPriceSet: money("59.00"),
    currentTotalPriceSet: money("59.00"),
    totalRefundedSet: money("0.00"),
    customer: { id: `gid://shopify/Customer/${CUSTOMER_ID}`, email: "bob@example.com", phone: "+44 20 7946 0000" },
    ...overrides,
  };
}

const items = [
  {
    id: "gid://shopify/LineItem/866550311766439020",
    title: "IPod Nano",
    quantity: 2,
    variant: { id: "gid://shopify/ProductVariant/808950810" },
    product: { id: "gid://shopify/Product/632910392" },
    originalUnitPriceSet: money("19.50"),
    discountAllocations: [{ allocatedAmountSet: money("3.00") }],
    __parentId: `gid://shopify/Order/${ORDER_ID}`,
  },
  {
    id: "gid://shopify/LineItem/141249953214522974",
    title: "Gift wrap",
    quantity: 1,
    variant: null,
    product: null,
    originalUnitPriceSet: money("23.00"),
    discountAllocations: [],
    __parentId: `gid://shopify/Order/${ORDER_ID}`,
  },
];

function value(result: ReturnType<typeof normalizeBackfilledOrder>) {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe("normalizeBackfilledOrder", () => {
  it("builds orders/create's events, with its sourceIds and values", () => {
    const n = value(normalizeBackfilledOrder(orderLine(), items));
    expect(n.events.map((e) => [e.name, e.sourceId, e.valueMinor])).toEqual([
      ["Placed Order", `order:${ORDER_ID}:placed`, 5900n],
      ["Ordered Product", `order:${ORDER_ID}:line:866550311766439020`, 3600n],
      ["Ordered Product", `order:${ORDER_ID}:line:141249953214522974`, 2300n],
    ]);
    expect(n.events[0].occurredAt).toEqual(new Date("2026-06-01T11:59:00Z"));
    expect(n.events[1].properties).toMatchObject({ productId: "632910392", variantId: "808950810", quantity: 2, price: "19.50" });
    expect(n.identity).toEqual({ shopifyCustomerId: CUSTOMER_ID, email: "bob@example.com", phone: "+442079460000" });
  });

  it("asserts the same events and order state as the orders/create webhook for the same order", () => {
    const webhook = normalizeOrder("orders/create", {
      id: ORDER_ID,
      name: "#1001",
      email: "bob@example.com",
      currency: "USD",
      total_price: "59.00",
      current_total_price: "59.00",
      created_at: "2026-06-01T12:00:00Z",
      processed_at: "2026-06-01T11:59:00Z",
      updated_at: "2026-06-02T08:00:00Z",
      test: false,
      customer: { id: CUSTOMER_ID, email: "bob@example.com", phone: "+44 20 7946 0000" },
      line_items: [
        { id: "866550311766439020", title: "IPod Nano", quantity: 2, price: "19.50", product_id: 632910392, variant_id: 808950810, discount_allocations: [{ amount: "3.00" }] },
        { id: "141249953214522974", title: "Gift wrap", quantity: 1, price: "23.00", discount_allocations: [] },
      ],
    });
    if (!webhook.ok) throw new Error(webhook.error);
    const n = value(normalizeBackfilledOrder(orderLine(), items));
    const shape = (events: typeof n.events) => events.map((e) => ({ sourceId: e.sourceId, at: e.occurredAt, value: e.valueMinor }));
    expect(shape(n.events)).toEqual(shape(webhook.value.events));
    expect(n.order).toEqual(webhook.value.order);
  });

  it("carries refunds, cancellation and test flags in the order state", () => {
    const n = value(
      normalizeBackfilledOrder(
        orderLine({ currentTotalPriceSet: money("36.00"), totalRefundedSet: money("23.00"), cancelledAt: "2026-06-03T10:00:00Z", test: true }),
        items,
      ),
    );
    expect(n.order).toEqual({
      orderId: ORDER_ID,
      updatedAt: new Date("2026-06-02T08:00:00Z"),
      placedAt: new Date("2026-06-01T11:59:00Z"),
      currency: "USD",
      totalMinor: 3600n,
      refundedMinor: 2300n,
      cancelled: true,
      test: true,
    });
    expect(n.events.at(-1)).toMatchObject({ name: "Cancelled Order", sourceId: `order:${ORDER_ID}:cancelled` });
  });

  it("handles a guest order with no line items and a zero-decimal currency", () => {
    const n = value(
      normalizeBackfilledOrder(orderLine({ customer: null, email: null, currencyCode: "JPY", totalPriceSet: { shopMoney: { amount: "1200.0", currencyCode: "JPY" } }, currentTotalPriceSet: null, totalRefundedSet: null }), []),
    );
    expect(n.identity).toEqual({});
    expect(n.order?.totalMinor).toBe(1200n);
    expect(n.events.map((e) => e.name)).toEqual(["Placed Order"]);
  });

  it("rejects malformed money and foreign children", () => {
    expect(normalizeBackfilledOrder(orderLine({ totalPriceSet: money("12.3.4") }), []).ok).toBe(false);
    const wrong = normalizeBackfilledOrder(orderLine(), [{ ...items[0], id: "gid://shopify/Fulfillment/1" }]);
    expect(wrong).toEqual({ ok: false, error: expect.stringContaining("expected a LineItem gid") });
  });
});
