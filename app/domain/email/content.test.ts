import { describe, expect, it } from "vitest";
import { blockSchema, emailContentSchema, MAX_BLOCKS, type EmailContent } from "./content";

const valid: EmailContent = {
  subject: "Hi {{ profile.first_name }}",
  previewText: "Your cart is waiting",
  blocks: [
    { type: "heading", text: "Hello", level: 2 },
    { type: "text", text: "Line one\n\nLine two" },
    { type: "image", src: "https://cdn.example.com/a.png", alt: "A", href: "{{ shop.url }}" },
    { type: "button", label: "Go", href: "{{ checkout.url }}" },
    { type: "product_grid", source: "checkout_items", columns: 2, limit: 4 },
    { type: "discount_code", text: "Your code:" },
    { type: "divider" },
    { type: "footer", text: "Thanks" },
  ],
};

describe("email content schema", () => {
  it("accepts every block kind", () => {
    const parsed = emailContentSchema.safeParse(valid);
    expect(parsed.success).toBe(true);
  });

  it("refuses link targets a browser would run or that lead nowhere", () => {
    for (const href of ["javascript:alert(1)", "data:text/html,<script>", "/relative", "vbscript:x", ""]) {
      expect(blockSchema.safeParse({ type: "button", label: "Go", href }).success, href).toBe(false);
    }
    for (const href of ["https://x.com", "http://x.com", "mailto:a@b.c", "tel:+15551234", "{{ checkout.url }}", "{% if x %}https://a{% endif %}"]) {
      expect(blockSchema.safeParse({ type: "button", label: "Go", href }).success, href).toBe(true);
    }
    expect(blockSchema.safeParse({ type: "image", src: "javascript:x", alt: "" }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "image", src: "mailto:a@b.c", alt: "" }).success).toBe(false);
  });

  it("bounds sizes: blocks, strings, grid limits", () => {
    const many = { ...valid, blocks: Array.from({ length: MAX_BLOCKS + 1 }, () => ({ type: "divider" as const })) };
    expect(emailContentSchema.safeParse(many).success).toBe(false);
    expect(emailContentSchema.safeParse({ ...valid, subject: "x".repeat(301) }).success).toBe(false);
    expect(emailContentSchema.safeParse({ ...valid, subject: "   " }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "text", text: "x".repeat(5001) }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "product_grid", source: "checkout_items", limit: 13 }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "product_grid", source: "checkout_items", columns: 4 }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "heading", text: "x", level: 3 }).success).toBe(false);
  });

  it("refuses unknown kinds and unknown fields", () => {
    expect(blockSchema.safeParse({ type: "html", html: "<script>" }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "divider", html: "<script>" }).success).toBe(false);
    expect(blockSchema.safeParse({ type: "product_grid", source: "all_products" }).success).toBe(false);
    expect(emailContentSchema.safeParse({ ...valid, layout: "<mjml>" }).success).toBe(false);
  });
});
