// A small shop history in the bulk exports' JSONL shape, and what importing it must produce.
import { customerLine, orderLines } from "../helpers/fake-shopify-admin";

export const NOW = new Date("2026-11-24T12:00:00Z");
export const ALICE = "9007199254740993"; // 2^53 + 1
export const BOB = "115310627314723954";
export const CAROL = "207119551";
export const O1 = "9007199254740995";

export const CUSTOMERS = [
  customerLine({ id: ALICE, email: "alice@example.com", firstName: "Alice", lastName: "Lee", consent: { state: "SUBSCRIBED", at: "2025-03-01T09:30:00Z" } }),
  customerLine({ id: BOB, email: "bob@example.com", firstName: "Bob", phone: "+1 555 010 2000", consent: { state: "UNSUBSCRIBED", at: "2025-04-01T00:00:00Z" } }),
  customerLine({ id: CAROL, email: "carol@example.com", firstName: "Carol", consent: { state: "NOT_SUBSCRIBED", at: null } }),
];

export const ORDERS = [
  ...orderLines({
    id: O1,
    customerId: ALICE,
    email: "alice@example.com",
    total: "59.00",
    createdAt: "2026-03-01T10:00:00Z",
    items: [
      { id: "866550311766439020", price: "19.50", quantity: 2, discount: "3.00", productId: "632910392", variantId: "808950810" },
      { id: "141249953214522974", price: "23.00", quantity: 1 },
    ],
  }),
  ...orderLines({ id: "1002", customerId: ALICE, email: "alice@example.com", total: "20.00", createdAt: "2026-05-01T10:00:00Z", items: [{ id: "2001", price: "20.00", quantity: 1 }] }),
  ...orderLines({ id: "1003", customerId: BOB, total: "80.00", cancelledAt: "2026-04-02T10:00:00Z", createdAt: "2026-04-01T10:00:00Z", items: [{ id: "3001", price: "80.00", quantity: 1 }] }),
  ...orderLines({ id: "1004", customerId: CAROL, total: "10.00", test: true, items: [{ id: "4001", price: "10.00", quantity: 1 }] }),
  ...orderLines({ id: "1005", email: "Dave@Example.com", total: "15.50", items: [{ id: "5001", price: "15.50", quantity: 1 }] }),
  ...orderLines({ id: "1006", customerId: BOB, total: "45.00", createdAt: "2026-07-01T10:00:00Z", items: [{ id: "6001", price: "45.00", quantity: 1 }] }),
];

/** email -> [orders counted, revenue in cents] once both exports are imported. */
export const EXPECTED_STATS: Record<string, [number, bigint]> = {
  "alice@example.com": [2, 7900n],
  "bob@example.com": [1, 4500n],
  "carol@example.com": [0, 0n],
  "dave@example.com": [1, 1550n],
};
/** Placed Order + Ordered Product per line + Cancelled Order, and the two consent changes. */
export const EXPECTED_EVENTS = 6 + 7 + 1 + 2;

/** orders/create for O1 as Shopify's webhook would deliver it. */
export const O1_WEBHOOK = {
  id: O1,
  name: "#0995",
  email: "alice@example.com",
  currency: "USD",
  total_price: "59.00",
  current_total_price: "59.00",
  created_at: "2026-03-01T10:00:00Z",
  processed_at: "2026-03-01T10:00:00Z",
  updated_at: "2026-03-01T10:00:00Z",
  test: false,
  customer: { id: ALICE, email: "alice@example.com" },
  line_items: [
    { id: "866550311766439020", quantity: 2, price: "19.50", product_id: "632910392", variant_id: "808950810", discount_allocations: [{ amount: "3.00" }] },
    { id: "141249953214522974", quantity: 1, price: "23.00" },
  ],
};
