import { createHmac } from "node:crypto";
import { parse } from "parse5";
import { describe, expect, it, vi } from "vitest";
import type { Block, EmailContent } from "./content";
import { defaultEmailContent } from "./defaults";
import { decorateDestination, type LinkTracker } from "./links";
import {
  brandKey,
  compileEmail,
  createCompileCache,
  EmailRenderError,
  EmailTemplateError,
  htmlToPlainText,
  MAX_SUBJECT_LENGTH,
  renderEmail,
  type Brand,
  type CompiledEmail,
} from "./render";
import { buildTemplateVariables, type TemplateVariables, type TemplateVariablesInput } from "./variables";

const brand: Brand = {
  shopName: "Northwind Outfitters",
  logoUrl: "https://cdn.example.com/logo.png",
  brandColor: "#1f6f5c",
  postalAddress: "12 Harbour Street\nPortland, ME 04101",
  shopUrl: "https://northwind.myshopify.com",
};
const UNSUBSCRIBE = "https://app.example/u/eyJr.sig&more";
const SECRET = "test-secret";

/** A tracker that signs (HMAC) each destination into its click URL, as the real one does. */
function signingTracker(): LinkTracker {
  return {
    click: (destination) => `https://app.example/t/c?u=${encodeURIComponent(destination)}&s=${createHmac("sha256", SECRET).update(destination).digest("base64url")}`,
    openPixelUrl: "https://app.example/t/o/msg-1",
  };
}

function verifyClick(href: string): string | null {
  const url = new URL(href);
  const destination = url.searchParams.get("u") ?? "";
  return url.searchParams.get("s") === createHmac("sha256", SECRET).update(destination).digest("base64url") ? destination : null;
}

const decorate = (url: string) =>
  decorateDestination(url, {
    utm: { source: "shop-flows", medium: "email", campaign: "abandoned_checkout_1" },
    profileToken: "ptok",
    profileTokenParam: "_sft",
    shopHosts: ["northwind.myshopify.com"],
  });

function variables(profile: Partial<TemplateVariablesInput["profile"]> = {}, lineTitle = "Merino Crew Sweater"): TemplateVariables {
  return buildTemplateVariables({
    profile: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", properties: {}, ...profile },
    shop: brand,
    trigger: {
      name: "Started Checkout",
      properties: {
        abandonedCheckoutUrl: "https://northwind.myshopify.com/1/checkouts/abc/recover?key=k1",
        totalPrice: "153.00",
        currency: "USD",
        lineItems: [
          { title: lineTitle, variantTitle: "Oat / M", quantity: 1, price: "89.00" },
          { title: "Wool Beanie", variantTitle: null, quantity: 2, price: "32.00" },
        ],
      },
    },
    discount: null,
    links: { unsubscribe: UNSUBSCRIBE, preferences: UNSUBSCRIBE },
  });
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/** Tokenizer errors (parse5) plus every start tag closed in order: what "valid HTML" means for an email. */
function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  parse(html, { onParseError: (e) => problems.push(`${e.code} at ${e.startOffset}`) });
  const stack: string[] = [];
  const markup = html.replace(/<!--[\s\S]*?-->/g, "").replace(/<!doctype[^>]*>/i, "");
  for (const [, closing, rawName] of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*>/g)) {
    const name = rawName.toLowerCase();
    if (VOID.has(name)) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`unexpected </${name}>`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(",")}`);
  return problems;
}

async function compiled(blocks: Block[], subject = "Hi {{ profile.first_name }}"): Promise<CompiledEmail> {
  return compileEmail({ subject, previewText: "Preview for {{ profile.first_name }}", blocks }, brand);
}

describe("renderEmail: the abandoned-checkout email", () => {
  const content = defaultEmailContent("abandoned_checkout_1") as EmailContent;

  it("is valid HTML with a plain-text part", async () => {
    const email = renderEmail(await compileEmail(content, brand), variables(), { tracker: signingTracker(), decorate });
    expect(htmlProblems(email.html)).toEqual([]);
    expect(email.html.match(/<body\b/g)).toHaveLength(1);
    expect(email.text).toContain("You left something behind");
    expect(email.text).toContain("Hi Ada, your cart is saved and waiting for you.");
    expect(email.text).toMatch(/Merino Crew Sweater \[https:\/\/app\.example\/t\/c\?[^\]]+\]\nOat \/ M\n\$89\.00/);
    expect(email.text).toContain("2 × $32.00");
    expect(email.text).toMatch(/Return to your cart \[https:\/\/app\.example\/t\/c\?/);
    expect(email.text).toContain("Northwind Outfitters\n12 Harbour Street, Portland, ME 04101");
    // No preheader, pixel, markup or Liquid in the text.
    expect(email.text).not.toMatch(/Your cart is saved\. Pick up|t\/o\/msg-1|<[a-z/]|\{\{|\{%|sf:/);
    expect(email.previewText).toBe("Your cart is saved. Pick up right where you left off.");
    expect(email.subject).toBe("You left something behind");
  });

  it("rewrites every web link through the tracker, signed, decorated, in HTML and text alike", async () => {
    const email = renderEmail(await compileEmail(content, brand), variables(), { tracker: signingTracker(), decorate });
    const hrefs = [...email.html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
    const tracked = hrefs.filter((h) => h !== UNSUBSCRIBE);
    expect(tracked.length).toBeGreaterThanOrEqual(4); // logo, two products, the button
    for (const href of tracked) {
      const destination = verifyClick(href);
      expect(destination, href).not.toBeNull();
      expect(new URL(destination!).searchParams.get("utm_medium")).toBe("email");
      expect(new URL(destination!).searchParams.get("_sft")).toBe("ptok");
    }
    expect(email.links).toEqual([
      "https://northwind.myshopify.com/?utm_source=shop-flows&utm_medium=email&utm_campaign=abandoned_checkout_1&_sft=ptok",
      "https://northwind.myshopify.com/1/checkouts/abc/recover?key=k1&utm_source=shop-flows&utm_medium=email&utm_campaign=abandoned_checkout_1&_sft=ptok",
    ]);
    for (const [, href] of email.text.matchAll(/\[(https:\/\/app\.example\/t\/c[^\]]+)\]/g)) expect(verifyClick(href)).not.toBeNull();
    // A forged or altered link does not verify.
    expect(verifyClick(tracked[0].replace("utm_medium", "utm_mediun"))).toBeNull();
  });

  it("keeps the unsubscribe link direct (never click-wrapped) and adds the open pixel", async () => {
    const email = renderEmail(await compileEmail(content, brand), variables(), { tracker: signingTracker(), decorate });
    expect(email.html).toContain('<a href="https://app.example/u/eyJr.sig&amp;more"');
    expect(email.html).toContain(">Unsubscribe</a>");
    expect(email.text).toContain("Unsubscribe [https://app.example/u/eyJr.sig&more]");
    expect(email.links.some((l) => l.includes("/u/"))).toBe(false);
    expect(email.html).toMatch(/<img src="https:\/\/app\.example\/t\/o\/msg-1" width="1" height="1" alt="" style="display:block"><\/body>/);
  });

  it("renders a profile named <script>alert(1)</script> harmless in HTML, text and subject", async () => {
    const evil = "<script>alert(1)</script>";
    const c = await compileEmail({ ...content, subject: "For {{ profile.first_name }} {{ profile.last_name }}" }, brand);
    const email = renderEmail(c, variables({ firstName: evil, lastName: '"><img src=x onerror=alert(2)>\r\nBcc: x@evil.example' }, "<img src=x onerror=alert(3)>"), {
      tracker: signingTracker(),
      decorate,
    });
    expect(email.html).not.toMatch(/<script|<img src=x|<[^>]*onerror/i); // as text it is harmless: "&lt;img ... onerror"
    expect(email.html).toContain("Hi &lt;script&gt;alert(1)&lt;/script&gt;, your cart");
    expect(email.html).toContain("&lt;img src=x onerror=alert(3)&gt;");
    expect(htmlProblems(email.html)).toEqual([]);
    // Plain text is never read as markup: it shows exactly what the person typed, and carries no markup of ours.
    expect(email.text).toContain(`Hi ${evil}, your cart`);
    expect(email.text.replace(evil, "").replace("<img src=x onerror=alert(3)>", "")).not.toMatch(/<[a-z/]/i);
    // The subject is one header line: the CR/LF that would start a Bcc header is gone.
    expect(email.subject).toBe(`For ${evil} "><img src=x onerror=alert(2)> Bcc: x@evil.example`);
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it("uses the fallback when the first name is missing", async () => {
    const c = await compileEmail({ ...content, subject: 'Hi {{ profile.first_name | default: "there" }}' }, brand);
    for (const firstName of [null, "", "   "]) {
      const email = renderEmail(c, variables({ firstName }), { tracker: null, decorate: (u) => u });
      expect(email.html).toContain("Hi there, your cart is saved");
      expect(email.text).toContain("Hi there, your cart is saved");
      expect(email.subject).toBe("Hi there");
    }
  });
});

describe("merchant content that tries to escape its block", () => {
  it("neutralises markup and MJML in literal text", async () => {
    const c = await compiled([{ type: "text", text: "</mj-text><mj-raw><script>alert(1)</script></mj-raw><mj-text>" }]);
    const email = renderEmail(c, variables(), { tracker: null, decorate: (u) => u });
    expect(email.html).not.toMatch(/<script|<mj-/);
    expect(email.html).toContain("&lt;/mj-text&gt;&lt;mj-raw&gt;&lt;script&gt;");
    expect(htmlProblems(email.html)).toEqual([]);
  });

  it("refuses raw output, foreign tags and unfinished Liquid, naming the field", async () => {
    const attempt = compileEmail(
      {
        subject: "{{ profile.first_name | raw }}",
        previewText: "",
        blocks: [
          { type: "text", text: "ok" },
          { type: "text", text: "{{ x | raw }}" },
          { type: "button", label: '{% include "secret" %}', href: "https://x.example" },
          { type: "heading", text: "{% if profile.first_name %}open" },
        ],
      },
      brand,
    );
    await expect(attempt).rejects.toBeInstanceOf(EmailTemplateError);
    const error = (await attempt.catch((e: unknown) => e)) as EmailTemplateError;
    expect(error.problems.map((p) => p.field)).toEqual(["Subject", "Block 2 (text) text", "Block 3 (button) label", "Block 4 (heading) text"]);
    expect(error.message).toMatch(/^Subject: The filter "raw" is not available.*; Block 3 \(button\) label: .*; and 1 more$/);
    expect(error.problems[2].error).toMatch(/\{% include %\} is not available/);
    expect(error.problems[3].error).toMatch(/not closed/);
  });

  it("refuses content that does not fit the schema (a javascript: link, too many blocks)", async () => {
    await expect(compiled([{ type: "button", label: "x", href: "javascript:alert(1)" }])).rejects.toThrow(/A link must start with https/);
    await expect(compiled(Array.from({ length: 51 }, () => ({ type: "divider" as const })))).rejects.toBeInstanceOf(EmailTemplateError);
  });

  it("drops a javascript: href that arrives through a variable", async () => {
    const c = await compiled([
      { type: "button", label: "Visit", href: "{{ profile.properties.site }}" },
      { type: "image", src: "https://cdn.example.com/a.png", alt: "a", href: "{{ profile.properties.site }}" },
    ]);
    for (const site of ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"]) {
      const email = renderEmail(c, variables({ properties: { site } }), { tracker: signingTracker(), decorate });
      expect(email.html, site).not.toMatch(/javascript|data:text|vbscript/i);
      expect(email.text, site).not.toMatch(/javascript|data:text|vbscript/i);
      expect(email.text).toContain("Visit");
    }
  });
});

describe("subjects", () => {
  it("strips control characters and caps the length", async () => {
    const c = await compiled([], "{{ profile.properties.note }}");
    const email = renderEmail(c, variables({ properties: { note: `Sale\r\nBcc: a@b.c\u0000\u2028${"x".repeat(400)}` } }), { tracker: null, decorate: (u) => u });
    expect(email.subject).toMatch(/^Sale Bcc: a@b\.c x+…$/);
    expect(email.subject).toHaveLength(MAX_SUBJECT_LENGTH);
  });
});

describe("size limits", () => {
  it("compiles the largest content the schema allows", async () => {
    const sentence = "Lorem ipsum {{ profile.first_name }} dolor sit amet. ";
    const longest = sentence.repeat(Math.floor(5000 / sentence.length));
    const c = await compiled(Array.from({ length: 50 }, () => ({ type: "text" as const, text: longest })));
    const email = renderEmail(c, variables(), { tracker: null, decorate: (u) => u });
    expect(email.text.match(/Lorem ipsum Ada dolor sit amet\./g)).toHaveLength(50 * Math.floor(5000 / sentence.length));
  });
});

describe("render-time limits", () => {
  it("throws EmailRenderError when a template exceeds Liquid's memory limit", async () => {
    const c = await compiled([{ type: "text", text: "{% for i in (1..100000000) %}{{ i }}{% endfor %}" }]);
    expect(() => renderEmail(c, variables(), { tracker: null, decorate: (u) => u })).toThrow(EmailRenderError);
  });
});

describe("product grids", () => {
  it("stay balanced HTML for any number of items in 1, 2 or 3 columns", async () => {
    for (const columns of [1, 2, 3] as const) {
      const c = await compiled([{ type: "product_grid", source: "order_items", columns }]);
      for (const count of [0, 1, 2, 3, 4, 5, 7]) {
        const v = buildTemplateVariables({
          profile: { firstName: "A", lastName: null, email: null, properties: {} },
          shop: brand,
          trigger: { name: "Placed Order", properties: { currency: "USD", lineItems: Array.from({ length: count }, (_, i) => ({ title: `Item ${i}`, quantity: 1, price: "1.00" })) } },
          discount: null,
          links: { unsubscribe: UNSUBSCRIBE, preferences: UNSUBSCRIBE },
        });
        const email = renderEmail(c, v, { tracker: null, decorate: (u) => u });
        expect(htmlProblems(email.html), `${columns} columns, ${count} items`).toEqual([]);
        expect(email.html.match(/>Item \d+<\/a>/g)?.length ?? 0).toBe(Math.min(count, 6));
      }
    }
  });
});

describe("htmlToPlainText", () => {
  it("converts HTML without our regions whole, minus head, preheader and comments", () => {
    const html =
      '<html><head><title>T</title><style>p{}</style></head><body><div style="display:none;font-size:1px;">preheader</div>' +
      '<!--[if mso]><table><tr><td>outlook</td></tr></table><![endif]--><h1>Title</h1><p>One &amp; two<br>three</p>' +
      '<p><a href="https://x.example/?a=1&amp;b=2">Link</a> <a href="https://y.example/"><img src="i.png"></a></p></body></html>';
    expect(htmlToPlainText(html)).toBe("Title\n\nOne & two\nthree\n\nLink [https://x.example/?a=1&b=2]");
  });
});

describe("createCompileCache and brandKey", () => {
  it("compiles each key once, shares concurrent misses, evicts the least recently used", async () => {
    const cache = createCompileCache(2);
    const content = defaultEmailContent("welcome_1") as EmailContent;
    const compile = vi.fn(() => compileEmail(content, brand));
    const [a, b] = await Promise.all([cache.get("v1", compile), cache.get("v1", compile)]);
    expect(a).toBe(b);
    expect(compile).toHaveBeenCalledTimes(1);
    await cache.get("v2", compile);
    await cache.get("v1", compile); // v1 is now the most recent
    await cache.get("v3", compile); // evicts v2
    expect(cache.size).toBe(2);
    expect(compile).toHaveBeenCalledTimes(3);
    await cache.get("v1", compile);
    expect(compile).toHaveBeenCalledTimes(3);
    await cache.get("v2", compile);
    expect(compile).toHaveBeenCalledTimes(4);
  });

  it("does not keep a failed compile", async () => {
    const cache = createCompileCache(5);
    const failing = vi.fn(() => Promise.reject(new EmailTemplateError([{ field: "Subject", error: "bad" }])));
    await expect(cache.get("k", failing)).rejects.toThrow(/bad/);
    await expect(cache.get("k", failing)).rejects.toThrow(/bad/);
    expect(failing).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  it("keys a brand by every field", () => {
    const key = brandKey(brand);
    expect(brandKey({ ...brand })).toBe(key);
    for (const change of [{ shopName: "X" }, { logoUrl: null }, { brandColor: "#000000" }, { postalAddress: null }, { shopUrl: "https://y.example" }]) {
      expect(brandKey({ ...brand, ...change })).not.toBe(key);
    }
  });
});
