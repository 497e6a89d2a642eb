import { describe, expect, it } from "vitest";
import { FLOW_PRESETS } from "../flows/presets";
import { DEFAULT_TEMPLATE_IDS, defaultEmailContent } from "./defaults";
import { compileEmail, renderEmail, type Brand } from "./render";
import { sampleTemplateVariables } from "./variables";

const brand: Brand = { shopName: "Northwind Outfitters", logoUrl: null, brandColor: "#1f6f5c", postalAddress: "12 Harbour Street", shopUrl: "https://northwind.myshopify.com" };

/** Every email step of every preset flow: its template id, subject and whether it carries a discount. */
const emailSteps = FLOW_PRESETS.flatMap((preset) =>
  preset.definition.steps.flatMap((step) => (step.kind === "send_email" ? [{ preset: preset.preset, template: step.template, subject: step.subject, discount: !!step.discount }] : [])),
);

describe("default email content", () => {
  it("exists for every preset step, and only for them", () => {
    expect(emailSteps.length).toBe(15);
    expect([...DEFAULT_TEMPLATE_IDS].sort()).toEqual(emailSteps.map((s) => s.template).sort());
    expect(defaultEmailContent("no_such_template")).toBeNull();
    expect(defaultEmailContent("__proto__")).toBeNull();
  });

  it.each(emailSteps)("$template compiles and renders against sample data", async ({ template, subject, discount }) => {
    const content = defaultEmailContent(template)!;
    expect(content.subject).toBe(subject);
    expect(content.previewText.length).toBeGreaterThan(10);
    expect(content.blocks.some((b) => b.type === "discount_code")).toBe(discount);

    const compiled = await compileEmail(content, brand);
    const sample = sampleTemplateVariables(brand, { now: new Date("2026-03-01T12:00:00Z") });
    const email = renderEmail(compiled, sample, { tracker: null, decorate: (url) => url });
    expect(email.subject.length).toBeGreaterThan(3);
    expect(email.html).not.toMatch(/\{\{|\{%/);
    expect(email.text).not.toMatch(/\{\{|\{%|<[a-z/]/i);
    expect(email.text.length).toBeGreaterThan(80);
    expect(email.html).toContain(">Unsubscribe</a>");
    if (discount) {
      expect(email.html).toContain(sample.discount!.code);
      expect(email.text).toContain("Expires March 8, 2026");
      // Without a code the block is simply not there.
      const none = renderEmail(compiled, { ...sample, discount: null }, { tracker: null, decorate: (url) => url });
      expect(none.html).not.toContain("dashed");
      expect(none.text).not.toContain("Code");
    }
    // A customer without a first name still gets a natural greeting.
    const anonymous = renderEmail(compiled, { ...sample, profile: { ...sample.profile, first_name: null } }, { tracker: null, decorate: (url) => url });
    expect(anonymous.text).not.toMatch(/Hi ,|, !|\s,/);
  });

  it("shows the cart and a button back to it in abandoned-checkout emails", () => {
    for (const id of ["abandoned_checkout_1", "abandoned_checkout_2", "abandoned_checkout_3"]) {
      const blocks = defaultEmailContent(id)!.blocks;
      expect(blocks).toContainEqual(expect.objectContaining({ type: "product_grid", source: "checkout_items" }));
      expect(blocks).toContainEqual(expect.objectContaining({ type: "button", href: "{{ checkout.url }}" }));
    }
    expect(defaultEmailContent("browse_abandonment")!.blocks).toContainEqual(expect.objectContaining({ type: "product_grid", source: "viewed_product" }));
    expect(defaultEmailContent("thanks_first_order")!.blocks).toContainEqual(expect.objectContaining({ type: "product_grid", source: "order_items" }));
  });

  it("asks sunset recipients to stay, with a button to their preferences", () => {
    expect(defaultEmailContent("sunset_repermission")!.blocks).toContainEqual({ type: "button", label: "Yes, keep me subscribed", href: "{{ links.preferences }}" });
  });

  it("hands out copies: editing one does not change the default", () => {
    const copy = defaultEmailContent("welcome_1")!;
    copy.blocks.length = 0;
    copy.subject = "changed";
    expect(defaultEmailContent("welcome_1")!.blocks.length).toBeGreaterThan(0);
    expect(defaultEmailContent("welcome_1")!.subject).toBe("Welcome to {{ shop.name }}");
  });
});
