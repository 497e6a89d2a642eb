// The signup form theme app extension without a browser: its size budget, its Liquid (labels, escaping, who sees
// the popup), its settings schema and its wiring to the app proxy. The browser test is in tests/e2e/dashboard.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EXTENSION_DIR, readBlock, renderBlock } from "../helpers/theme-harness";

const assets = (ext: string) => readdirSync(path.join(EXTENSION_DIR, "assets")).filter((f) => f.endsWith(ext));
const gzipped = (file: string) => gzipSync(readFileSync(path.join(EXTENSION_DIR, "assets", file)), { level: 9 }).length;

describe("the signup form extension", () => {
  it("keeps its storefront JavaScript under 10 KB gzipped", () => {
    const scripts = assets(".js");
    expect(scripts).toEqual(["signup-form.js"]);
    const total = scripts.reduce((sum, file) => sum + gzipped(file), 0);
    expect(total).toBeLessThan(10 * 1024);
  });

  it("makes no third-party request: no absolute URL in its assets, and the form posts to the app proxy", () => {
    for (const file of [...assets(".js"), ...assets(".css")]) {
      expect(readFileSync(path.join(EXTENSION_DIR, "assets", file), "utf8")).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    }
    const toml = readFileSync("shopify.app.toml", "utf8");
    expect(toml).toMatch(/\[app_proxy\][^[]*subpath = "shop-flows"[^[]*prefix = "apps"/);
    const snippet = readFileSync(path.join(EXTENSION_DIR, "snippets", "signup-form-fields.liquid"), "utf8");
    expect(snippet).toContain('action="/apps/shop-flows/signup"');
  });

  it("declares valid settings, each used, for both blocks", () => {
    for (const [file, target] of [["signup-form.liquid", "section"], ["signup-popup.liquid", "body"]] as const) {
      const { source, schema } = readBlock(file);
      expect(schema.target).toBe(target);
      expect(schema.javascript).toBe("signup-form.js");
      expect(schema.stylesheet).toBe("signup-form.css");
      const snippet = readFileSync(path.join(EXTENSION_DIR, "snippets", "signup-form-fields.liquid"), "utf8");
      for (const setting of schema.settings.filter((s) => s.id)) expect(source + snippet).toContain(`s.${setting.id}`);
      const ids = schema.settings.filter((s) => s.id).map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it("renders an accessible inline form: labelled fields, a live status, a hidden honeypot", async () => {
    const html = await renderBlock({ file: "signup-form.liquid", id: "abc123", settings: { show_first_name: true } });
    expect(html).toContain('<label class="sf-signup__label" for="sf-email-abc123">Email</label>');
    expect(html).toContain('id="sf-email-abc123" type="email" name="email"');
    expect(html).toContain('<label class="sf-signup__label" for="sf-first-name-abc123">First name</label>');
    expect(html).toContain('role="status" aria-live="polite"');
    expect(html).toMatch(/class="sf-signup__trap" aria-hidden="true"[\s\S]*name="website" tabindex="-1"/);
    expect(html).toContain('name="form_id" value="abc123"');
    expect(html).toContain('name="double_opt_in" value="0"');
    expect(html).toContain('id="sf-title-abc123"');
  });

  it("escapes the merchant's text and speaks the storefront's language", async () => {
    const html = await renderBlock({ file: "signup-form.liquid", id: "b1", settings: { heading: '<img src=x onerror="alert(1)">', offer: "10 % & more" } }, { locale: "de" });
    expect(html).not.toContain("<img src=x");
    expect(html).toMatch(/&lt;img src=x onerror=(&quot;|&#34;)alert\(1\)(&quot;|&#34;)&gt;/);
    expect(html).toContain("10 % &amp; more");
    expect(html).toContain(">E-Mail</label>");
    expect(html).toContain('name="locale" value="de"');
  });

  it("does not render the popup for a signed-in customer who already subscribes", async () => {
    const block = { file: "signup-popup.liquid", id: "pop1", settings: { delay_seconds: 3 } };
    const anonymous = await renderBlock(block);
    expect(anonymous).toContain('data-sf-popup');
    expect(anonymous).toContain('role="dialog" aria-modal="true" aria-labelledby="sf-popup-title-pop1"');
    expect(anonymous).toContain('id="sf-popup-title-pop1"');
    expect(anonymous).toContain('data-delay="3"');
    expect(await renderBlock(block, { customer: { accepts_marketing: false } })).toContain("data-sf-popup");
    expect((await renderBlock(block, { customer: { accepts_marketing: true } })).trim()).toBe("");
  });
});
