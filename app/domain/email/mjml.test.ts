import { describe, expect, it } from "vitest";
import type { Block, EmailContent } from "./content";
import { buildMjml, contentToHtml, TEXT_REGION, type Brand } from "./mjml";

const brand: Brand = {
  shopName: "Northwind Outfitters",
  logoUrl: "https://cdn.example.com/logo.png",
  brandColor: "#1f6f5c",
  postalAddress: "12 Harbour Street\nPortland, ME",
  shopUrl: "https://northwind.myshopify.com",
};

const content = (blocks: Block[], previewText = "Preview {{ profile.first_name }}"): EmailContent => ({ subject: "Hi", previewText, blocks });

async function html(blocks: Block[], b: Brand = brand, previewText?: string): Promise<string> {
  const result = await contentToHtml(content(blocks, previewText), b);
  if (!result.ok) throw new Error(result.errors.join("; "));
  return result.html;
}

describe("contentToHtml", () => {
  it("produces a full MJML document with the preheader, Liquid back in place and no MJML errors", async () => {
    const out = await html([
      { type: "heading", text: 'Hi {{ profile.first_name | default: "there" }}' },
      { type: "text", text: "{% if a < b %}less{% endif %}" },
    ]);
    expect(out).toMatch(/^<!doctype html>/);
    expect(out).toContain('Hi {{ profile.first_name | default: "there" }}');
    expect(out).toContain("{% if a < b %}less{% endif %}");
    expect(out).toMatch(/<div style="display:none;[^"]*">Preview \{\{ profile\.first_name \}\}<\/div>/);
    expect(out).not.toContain("sfliq"); // every placeholder restored
  });

  it("keeps the product loop intact inside the table (MJML does not mangle it)", async () => {
    const out = await html([{ type: "product_grid", source: "checkout_items", columns: 2, limit: 4 }]);
    const loop = out.indexOf("{% for item in checkout.line_items limit: 4 %}");
    const table = out.lastIndexOf("<table", loop);
    const end = out.indexOf("{% endfor %}", loop);
    expect(loop).toBeGreaterThan(table);
    expect(table).toBeGreaterThan(-1);
    expect(out.slice(loop, end)).toContain("{{ item.title }}");
    expect(out.slice(loop, end)).toContain('<td class="sf-cell" width="50%"');
    expect(out.slice(end)).toMatch(/^\{% endfor %\}<!--\/sf-->\s*<\/table>/);
    // The whole grid disappears for an empty cart.
    expect(out).toMatch(/\{% if checkout\.line_items\.size > 0 %\}[\s\S]*<table[\s\S]*<\/table>[\s\S]*\{% endif %\}/);
  });

  it("shows the discount block only when there is a code", async () => {
    const out = await html([{ type: "discount_code", text: "Your code:" }]);
    const block = /\{% if discount\.code %\}\s*(<tr>[\s\S]*<\/tr>)\s*\{% endif %\}/.exec(out);
    expect(block).not.toBeNull();
    const rows = block![1];
    expect(rows).toContain("Your code:");
    expect(rows).toContain("{{ discount.code }}");
    // The condition wraps whole table rows, so the table is balanced whichever way it goes.
    expect(rows.match(/<tr\b/g)?.length).toBe(rows.match(/<\/tr>/g)?.length);
  });

  it("always has a footer with the shop, its address and the direct unsubscribe and preferences links", async () => {
    const out = await html([{ type: "text", text: "No footer block here" }]);
    expect(out).toContain('<a href="{{ links.unsubscribe }}"');
    expect(out).toContain('<a href="{{ links.preferences }}"');
    expect(out).toContain("Northwind Outfitters<br>12 Harbour Street, Portland, ME<br>");
    const withText = await html([{ type: "footer", text: "Thanks for reading" }]);
    expect(withText).toContain("Thanks for reading");
    expect(withText.match(/\{\{ links\.unsubscribe \}\}/g)).toHaveLength(1);
  });

  it("brands the email: logo at the top, colour on headings and buttons", async () => {
    const out = await html([
      { type: "heading", text: "Title" },
      { type: "button", label: "Shop", href: "{{ shop.url }}" },
    ]);
    expect(out).toContain('src="https://cdn.example.com/logo.png"');
    expect(out).toMatch(/<h1 style="[^"]*color:#1f6f5c;/);
    expect(out).toMatch(/bgcolor="#1f6f5c"/);
    expect(out).toMatch(/color:#ffffff;[^"]*"[^>]*>\s*<!--sf:button-->Shop/); // white text on a dark colour
    const light = await html([{ type: "button", label: "Shop", href: "{{ shop.url }}" }], { ...brand, logoUrl: null, brandColor: "#ffe066" });
    expect(light).toMatch(/color:#111111;/);
    expect(light).not.toContain("<img");
    expect(light).toContain(">Northwind Outfitters</a>");
  });

  it("escapes merchant text and brand values: no markup, no MJML, no Liquid smuggled in", async () => {
    const out = await html(
      [{ type: "text", text: "</mj-text><mj-raw><script>alert(1)</script></mj-raw>" }, { type: "heading", text: "{x} & {" }],
      { ...brand, shopName: 'Evil {{ links.unsubscribe }} <b>"', logoUrl: 'javascript:alert(1)"', brandColor: 'red;" onload="x' },
    );
    expect(out).not.toMatch(/<script|<mj-raw|<\/mj-text/);
    expect(out).toContain("&lt;/mj-text&gt;&lt;mj-raw&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/mj-raw&gt;");
    expect(out).toContain("&#123;x&#125; &amp; &#123;");
    expect(out).toContain("Evil &#123;&#123; links.unsubscribe &#125;&#125; &lt;b&gt;&quot;");
    expect(out).not.toContain("javascript:");
    expect(out).not.toContain("onload");
    expect(out).toContain("#1a1a1a"); // the invalid colour fell back
  });

  it("turns blank lines into paragraphs and newlines into line breaks, in literal text only", async () => {
    const out = await html([{ type: "text", text: "One\nTwo\n\nThree {% if x\n %}y{% endif %}" }]);
    expect(out).toContain('<p style="margin:0 0 16px 0;">One<br>Two</p><p style="margin:0 0 16px 0;">Three {% if x\n %}y{% endif %}</p>');
  });

  it("marks the text regions the plain-text part is made from", async () => {
    const out = await html([
      { type: "text", text: "Body" },
      { type: "button", label: "Go", href: "https://x.example" },
    ]);
    expect(out).toContain(`${TEXT_REGION.open}<p style="margin:0 0 16px 0;">Body</p>${TEXT_REGION.close}`);
    expect(out).toMatch(new RegExp(`<a\\s+href="https://x.example"[^>]*>\\s*${TEXT_REGION.button}Go${TEXT_REGION.close}`));
  });

  it("uses a fresh placeholder per compile, so no merchant text can guess one", () => {
    const a = buildMjml(content([{ type: "text", text: "{{ a }}" }]), brand).mjml;
    const b = buildMjml(content([{ type: "text", text: "{{ a }}" }]), brand).mjml;
    const tag = (s: string) => /sfliq[0-9a-f]+n/.exec(s)?.[0];
    expect(tag(a)).toBeDefined();
    expect(tag(a)).not.toBe(tag(b));
  });
});
