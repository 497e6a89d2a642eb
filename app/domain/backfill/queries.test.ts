import { describe, expect, it } from "vitest";
import { bulkQueryFor, ordersSince } from "./queries";

describe("bulk queries", () => {
  it("asks for the last twelve calendar months of orders, grouped under their order", () => {
    expect(ordersSince(new Date("2026-11-24T23:30:00Z"))).toBe("2025-11-24");
    expect(ordersSince(new Date("2028-02-29T12:00:00Z"))).toBe("2027-03-01");
    const orders = bulkQueryFor("orders", new Date("2026-11-24T12:00:00Z"));
    expect(orders.groupObjects).toBe(true);
    expect(orders.query).toContain('orders(query: "created_at:>=2025-11-24")');
    expect(orders.query).toMatch(/lineItems \{\s*edges \{\s*node \{/);
  });

  it("exports customers with their consent, ungrouped (no nested connection)", () => {
    const customers = bulkQueryFor("customers", new Date());
    expect(customers.groupObjects).toBe(false);
    expect(customers.query).toContain("emailMarketingConsent { marketingState marketingOptInLevel consentUpdatedAt }");
  });
});
