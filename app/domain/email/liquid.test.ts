import { describe, expect, it } from "vitest";
import { emailLiquid, escapeHtml, plainLiquid, templateSegments, validateTemplateSource } from "./liquid";

const refused = (source: string) => {
  const check = validateTemplateSource(source);
  return check.ok ? null : check.error;
};

describe("validateTemplateSource", () => {
  it("accepts the Liquid a merchant writes", () => {
    for (const source of [
      "Plain text with no Liquid",
      'Hi {{ profile.first_name | default: "there" | capitalize }}!',
      "{% if checkout.line_items.size > 1 %}items{% elsif x %}one{% else %}none{% endif %}",
      "{% unless discount %}no code{% endunless %}",
      "{% for item in order.line_items limit: 3 %}{{ item.title | truncate: 20 }}{% endfor %}",
      "{% case profile.properties.tier %}{% when 'gold' %}VIP{% else %}friend{% endcase %}",
      '{% assign greeting = "Hello" %}{% capture line %}{{ greeting }} you{% endcapture %}{{ line }}',
      '{{ discount.expires_at | date: "%B %-d" }} {{ 19.5 | money: "EUR" }} {{ 3 | plus: 2 }}',
      '{{ "}}" }} and {{ "{%" }}',
      "{{ a | url_encode }} {{ a | upcase | downcase | strip | append: '!' }}",
    ]) {
      expect(validateTemplateSource(source), source).toEqual({ ok: true });
    }
  });

  it("refuses the raw filter and any filter outside the allowlist, naming it", () => {
    expect(refused("{{ x | raw }}")).toMatch(/filter "raw" is not available/);
    expect(refused("{{ x | where_exp: 'a', 'a' }}")).toMatch(/"where_exp"/);
    expect(refused("{{ x | jsonify }}")).toMatch(/"jsonify"/);
    // Inside a tag's arguments too.
    expect(refused("{% assign y = x | raw %}{{ y }}")).toMatch(/"raw" is not available/);
    expect(refused("{{ x | escape }}")).toMatch(/escaped already/);
  });

  it("refuses tags that reach outside the template or bypass escaping", () => {
    for (const tag of ["include", "render", "layout", "raw", "echo", "liquid", "comment", "tablerow", "cycle", "increment", "block"]) {
      const source = `{% ${tag} "x" %}{% end${tag} %}`;
      expect(refused(source), tag).toMatch(new RegExp(`\\{% ${tag} %\\} is not available`));
    }
  });

  it("refuses unfinished Liquid, so one block cannot swallow the next", () => {
    expect(refused("{% if x %}open")).toMatch(/not closed/);
    expect(refused("{% for i in list %}")).toMatch(/not closed/);
    expect(refused("{{ profile.first_name")).toMatch(/unfinished Liquid/);
    expect(refused("{% endif %}")).not.toBeNull();
  });

  it("keeps the email's own variables out of assign and capture", () => {
    expect(refused('{% assign links = "x" %}')).toMatch(/"links" is one of the email's own variables/);
    expect(refused("{% capture shop %}x{% endcapture %}")).toMatch(/"shop"/);
    expect(refused('{% assign my_links = "x" %}')).toBeNull();
  });
});

describe("rendering", () => {
  it("HTML-escapes every output in emails, including string literals and captures", () => {
    const out = emailLiquid.parseAndRenderSync('{{ name }}|{{ "<b>" }}|{% assign x = name %}{{ x }}', { name: `<script>"&'` });
    expect(out).toBe("&lt;script&gt;&#34;&amp;&#39;|&lt;b&gt;|&lt;script&gt;&#34;&amp;&#39;");
    expect(plainLiquid.parseAndRenderSync("{{ name }}", { name: "<b>" })).toBe("<b>");
  });

  it("reads only own properties, never prototypes", () => {
    expect(emailLiquid.parseAndRenderSync("[{{ s.constructor }}][{{ o.__proto__ }}][{{ o.toString }}]", { s: "x", o: {} })).toBe("[][][]");
  });

  it("stops a template that would allocate without limit", () => {
    expect(() => emailLiquid.parseAndRenderSync("{% for i in (1..100000000) %}{{ i }}{% endfor %}", {})).toThrow(/limit/);
  });

  it("formats money and dates", () => {
    expect(plainLiquid.parseAndRenderSync('{{ 19.5 | money: "EUR" }} {{ "12" | money: "JPY" }} {{ "x" | money: "USD" }}', {})).toBe("€19.50 ¥12 x");
    expect(plainLiquid.parseAndRenderSync('{{ d | date: "%B %-d, %Y" }}', { d: "2026-03-04T23:30:00Z" })).toBe("March 4, 2026");
  });
});

describe("templateSegments and escapeHtml", () => {
  it("splits literal text from Liquid exactly as written", () => {
    expect(templateSegments("Hi {{ a | default: '}}' }}, {%- if b -%}x{% endif %}")).toEqual([
      { liquid: false, source: "Hi " },
      { liquid: true, source: "{{ a | default: '}}' }}" },
      { liquid: false, source: ", " },
      { liquid: true, source: "{%- if b -%}" },
      { liquid: false, source: "x" },
      { liquid: true, source: "{% endif %}" },
    ]);
    expect(templateSegments("{{ broken")).toEqual([{ liquid: false, source: "{{ broken" }]);
  });

  it("escapes markup and braces, so literal text can never open a Liquid tag", () => {
    expect(escapeHtml(`</mj-text><script>"'&{{x}}{%`)).toBe("&lt;/mj-text&gt;&lt;script&gt;&quot;&#39;&amp;&#123;&#123;x&#125;&#125;&#123;%");
  });
});
