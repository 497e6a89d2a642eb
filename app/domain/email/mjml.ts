/**
 * Blocks + brand -> MJML -> responsive HTML that still holds its Liquid. MJML never sees Liquid: every Liquid piece
 * is swapped for an opaque placeholder before MJML runs and put back afterwards, so quotes and angle brackets in
 * tags survive, and merchant literal text is HTML-escaped (braces included) on the way in, so a merchant cannot
 * write markup or leave their block. The footer (shop, address, unsubscribe, preferences) is always there.
 */
import { randomBytes } from "node:crypto";
import mjml2html from "mjml";
import type { Block, EmailContent, ProductSource } from "./content";
import { escapeHtml, templateSegments } from "./liquid";

export type Brand = {
  shopName: string;
  logoUrl: string | null;
  brandColor: string;
  postalAddress: string | null;
  shopUrl: string;
};

const DEFAULT_COLOR = "#1a1a1a";
const FONT = "Helvetica, Arial, sans-serif";
const TEXT_COLOR = "#1f2933";
const MUTED = "#6b7280";
const DEFAULT_PRODUCT_LIMIT = 6;

/** Brand values are data, not templates: checked and escaped here so a shop name cannot inject markup or Liquid. */
function safeBrand(brand: Brand) {
  const color = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(brand.brandColor.trim()) ? brand.brandColor.trim() : DEFAULT_COLOR;
  const httpUrl = (url: string | null) => (url && /^https?:\/\/[^\s"'<>]+$/i.test(url.trim()) ? url.trim() : null);
  return {
    name: escapeHtml(brand.shopName.trim() || "our shop"),
    logoUrl: httpUrl(brand.logoUrl),
    color,
    onColor: readableOn(color),
    address: brand.postalAddress?.trim() ? escapeHtml(brand.postalAddress.trim()).replace(/\s*\r?\n\s*/g, ", ") : null,
    shopUrl: httpUrl(brand.shopUrl),
  };
}
type SafeBrand = ReturnType<typeof safeBrand>;

/** Black or white text, whichever reads better on `hex` (WCAG relative luminance). */
function readableOn(hex: string): string {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex;
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? "#111111" : "#ffffff";
}

/** Liquid kept out of MJML's way: each piece becomes a placeholder no email text can contain by chance. */
class LiquidSlots {
  private readonly sources: string[] = [];
  private readonly tag = `sfliq${randomBytes(6).toString("hex")}n`;

  /** A placeholder for trusted (our own) Liquid source or markup MJML must not see. */
  liquid(source: string): string {
    this.sources.push(source);
    return `${this.tag}${this.sources.length - 1}x`;
  }

  /** Merchant source as MJML-safe markup: literal text escaped, Liquid pieces as placeholders. */
  merchant(source: string, literal: (escaped: string) => string = (s) => s): string {
    return templateSegments(source)
      .map((segment) => (segment.liquid ? this.liquid(segment.source) : literal(escapeHtml(segment.source))))
      .join("");
  }

  restore(html: string): string {
    return html.replace(new RegExp(`${this.tag}(\\d+)x`, "g"), (_, i: string) => this.sources[Number(i)]);
  }
}

/** True when MJML's output has Liquid delimiters of its own, which the restored template would misread. */
const hasStrayLiquid = (html: string) => /\{\{|\{%/.test(html);

/**
 * Marks the parts of the HTML that make the plain-text part (HTML comments, invisible in every client), so the
 * per-recipient text conversion reads a few hundred characters instead of MJML's whole table scaffolding.
 * A button's region sits inside MJML's <a>; its link is that anchor's href.
 */
export const TEXT_REGION = { open: "<!--sf:text-->", button: "<!--sf:button-->", close: "<!--/sf-->" } as const;

function textRegion(slots: LiquidSlots, html: string, kind: "open" | "button" = "open"): string {
  return `${slots.liquid(TEXT_REGION[kind])}${html}${slots.liquid(TEXT_REGION.close)}`;
}

const lineBreaks = (escaped: string) => escaped.replace(/\r\n?/g, "\n").replace(/\n/g, "<br>");

const PARAGRAPH = `margin:0 0 16px 0;`;
/** Plain text: a blank line starts a paragraph, a newline is a <br>. `</p><p>` stays balanced whatever Liquid does. */
function paragraphs(escaped: string): string {
  return escaped
    .replace(/\r\n?/g, "\n")
    .replace(/\n[ \t]*\n\s*/g, `</p><p style="${PARAGRAPH}">`)
    .replace(/\n/g, "<br>");
}

/** The list a grid loops over; the viewed product is a single card. */
function itemsOf(source: ProductSource): { loop: string } | null {
  switch (source) {
    case "checkout_items":
      return { loop: "checkout.line_items" };
    case "order_items":
      return { loop: "order.line_items" };
    case "viewed_product":
      return null;
  }
}

/** One product as a row (image left, details right) or as a card in a grid cell. */
function productCell(slots: LiquidSlots, v: string, layout: "row" | "card", brand: SafeBrand): string {
  const out = (expr: string) => slots.liquid(`{{ ${expr} }}`);
  const href = out(`${v}.url`); // always set: variables.ts falls back to the checkout or the shop
  const image = (width: number) =>
    `${slots.liquid(`{% if ${v}.image_url %}`)}<a href="${href}"><img src="${out(`${v}.image_url`)}" alt="${out(`${v}.title`)}" width="${width}" ` +
    `style="display:block;width:100%;max-width:${width}px;height:auto;border:0;border-radius:4px;"></a>${slots.liquid("{% endif %}")}`;
  const details =
    `<a href="${href}" style="color:${TEXT_COLOR};text-decoration:none;font-weight:bold;">${out(`${v}.title`)}</a>` +
    `${slots.liquid(`{% if ${v}.variant_title %}`)}<br><span style="color:${MUTED};">${out(`${v}.variant_title`)}</span>${slots.liquid("{% endif %}")}` +
    `<br>${slots.liquid(`{% if ${v}.quantity > 1 %}`)}${out(`${v}.quantity`)} &times; ${slots.liquid("{% endif %}")}` +
    `<span style="color:${brand.color};">${out(`${v}.price`)}</span>`;
  if (layout === "row") {
    return (
      `<tr><td width="96" style="width:96px;padding:8px 0;vertical-align:top;">${image(80)}</td>` +
      `<td style="padding:8px 0 8px 12px;vertical-align:top;">${details}</td></tr>`
    );
  }
  return `${image(240)}<div style="padding-top:8px;">${details}</div>`;
}

function productGrid(slots: LiquidSlots, block: Extract<Block, { type: "product_grid" }>, brand: SafeBrand): string {
  const columns = block.columns ?? 1;
  const limit = block.limit ?? DEFAULT_PRODUCT_LIMIT;
  const source = itemsOf(block.source);
  const table = (rows: string) =>
    `<mj-table padding="8px 25px" cellpadding="0" cellspacing="0" font-size="15px" line-height="1.4" color="${TEXT_COLOR}">${textRegion(slots, rows)}</mj-table>`;
  if (!source) {
    const cell = columns === 1 ? productCell(slots, "product", "row", brand) : `<tr><td class="sf-cell" style="padding:8px;vertical-align:top;">${productCell(slots, "product", "card", brand)}</td></tr>`;
    return `<mj-raw>${slots.liquid("{% if product.title %}")}</mj-raw>${table(cell)}<mj-raw>${slots.liquid("{% endif %}")}</mj-raw>`;
  }
  let body: string;
  if (columns === 1) {
    body = `${slots.liquid(`{% for item in ${source.loop} limit: ${limit} %}`)}${productCell(slots, "item", "row", brand)}${slots.liquid("{% endfor %}")}`;
  } else {
    const width = Math.floor(100 / columns);
    // Row breaks by position: open a row on each first column, close it on the last column or the last item.
    body =
      slots.liquid(`{% for item in ${source.loop} limit: ${limit} %}{% assign sf_col = forloop.index0 | modulo: ${columns} %}{% if sf_col == 0 %}`) +
      `<tr>${slots.liquid("{% endif %}")}` +
      `<td class="sf-cell" width="${width}%" style="width:${width}%;padding:8px;vertical-align:top;">${productCell(slots, "item", "card", brand)}</td>` +
      slots.liquid(`{% if sf_col == ${columns - 1} or forloop.last %}`) +
      `</tr>${slots.liquid("{% endif %}{% endfor %}")}`;
  }
  return `<mj-raw>${slots.liquid(`{% if ${source.loop}.size > 0 %}`)}</mj-raw>${table(body)}<mj-raw>${slots.liquid("{% endif %}")}</mj-raw>`;
}

function blockMjml(slots: LiquidSlots, block: Block, brand: SafeBrand): string {
  switch (block.type) {
    case "heading": {
      const level = block.level ?? 1;
      const size = level === 1 ? "26px" : "20px";
      return (
        `<mj-text padding="8px 25px">${textRegion(slots, `<h${level} style="margin:0;font-size:${size};line-height:1.3;font-weight:bold;color:${brand.color};">` +
        `${slots.merchant(block.text, lineBreaks)}</h${level}>`)}</mj-text>`
      );
    }
    case "text":
      return `<mj-text>${textRegion(slots, `<p style="${PARAGRAPH}">${slots.merchant(block.text, paragraphs)}</p>`)}</mj-text>`;
    case "image":
      return `<mj-image src="${slots.merchant(block.src)}" alt="${slots.merchant(block.alt)}"${block.href ? ` href="${slots.merchant(block.href)}"` : ""} padding="8px 25px" />`;
    case "button":
      return `<mj-button href="${slots.merchant(block.href)}">${textRegion(slots, slots.merchant(block.label), "button")}</mj-button>`;
    case "product_grid":
      return productGrid(slots, block, brand);
    case "discount_code":
      return (
        `<mj-raw>${slots.liquid("{% if discount.code %}")}</mj-raw>` +
        `<mj-text align="center">${slots.liquid(TEXT_REGION.open)}${block.text.trim() ? `<p style="${PARAGRAPH}">${slots.merchant(block.text, paragraphs)}</p>` : ""}` +
        `<div style="display:inline-block;border:2px dashed ${brand.color};border-radius:6px;padding:12px 24px;font-size:22px;font-weight:bold;letter-spacing:2px;color:${TEXT_COLOR};">` +
        `${slots.liquid("{{ discount.code }}")}</div>` +
        `${slots.liquid("{% if discount.description %}")}<p style="margin:12px 0 0 0;">${slots.liquid("{{ discount.description }}")}</p>${slots.liquid("{% endif %}")}` +
        `${slots.liquid("{% if discount.expires_at %}")}<p style="margin:4px 0 0 0;font-size:13px;color:${MUTED};">Expires ${slots.liquid('{{ discount.expires_at | date: "%B %-d, %Y" }}')}</p>${slots.liquid("{% endif %}")}` +
        `${slots.liquid(TEXT_REGION.close)}</mj-text><mj-raw>${slots.liquid("{% endif %}")}</mj-raw>`
      );
    case "divider":
      return `<mj-divider border-width="1px" border-color="#e5e7eb" padding="16px 25px" />`;
    case "footer":
      return ""; // collected into the footer section
  }
}

function header(brand: SafeBrand): string {
  const link = brand.shopUrl ? ` href="${escapeHtml(brand.shopUrl)}"` : "";
  const inner = brand.logoUrl
    ? `<mj-image src="${escapeHtml(brand.logoUrl)}" alt="${brand.name}"${link} width="160px" padding="0 25px" />`
    : `<mj-text align="center" font-size="20px" font-weight="bold" color="${TEXT_COLOR}" padding="0 25px">${
        brand.shopUrl ? `<a href="${escapeHtml(brand.shopUrl)}" style="color:${TEXT_COLOR};text-decoration:none;">${brand.name}</a>` : brand.name
      }</mj-text>`;
  return `<mj-section padding="24px 0 16px 0"><mj-column>${inner}</mj-column></mj-section>`;
}

function footer(slots: LiquidSlots, blocks: Block[], brand: SafeBrand): string {
  const extra = blocks
    .filter((b): b is Extract<Block, { type: "footer" }> => b.type === "footer" && !!b.text?.trim())
    .map((b) => `<mj-text align="center" font-size="13px" color="${MUTED}" padding="0 25px 8px 25px">${textRegion(slots, slots.merchant(b.text ?? "", paragraphs))}</mj-text>`)
    .join("");
  const linkStyle = `color:${MUTED};text-decoration:underline;`;
  return (
    `<mj-section padding="16px 0 32px 0"><mj-column>${extra}` +
    `<mj-text align="center" font-size="12px" line-height="1.6" color="${MUTED}" padding="0 25px">` +
    textRegion(
      slots,
      `${brand.name}${brand.address ? `<br>${brand.address}` : ""}<br>` +
        `<a href="${slots.liquid("{{ links.unsubscribe }}")}" style="${linkStyle}">Unsubscribe</a> &middot; ` +
        `<a href="${slots.liquid("{{ links.preferences }}")}" style="${linkStyle}">Email preferences</a>`,
    ) +
    `</mj-text></mj-column></mj-section>`
  );
}

const STYLE = `@media only screen and (max-width:480px) { td.sf-cell { display:block !important; width:100% !important; } }`;

/** The MJML document for `content`, and how to put its Liquid back into MJML's output. */
export function buildMjml(content: EmailContent, brand: Brand): { mjml: string; restore: (html: string) => string } {
  const slots = new LiquidSlots();
  const safe = safeBrand(brand);
  const body = content.blocks.map((block) => blockMjml(slots, block, safe)).join("\n");
  const mjml =
    `<mjml lang="en"><mj-head><mj-title>${safe.name}</mj-title>` +
    `<mj-preview>${slots.merchant(content.previewText, (s) => s.replace(/\s+/g, " "))}</mj-preview>` +
    `<mj-attributes><mj-all font-family="${FONT}" />` +
    `<mj-text font-size="16px" line-height="1.5" color="${TEXT_COLOR}" padding="8px 25px" />` +
    `<mj-button background-color="${safe.color}" color="${safe.onColor}" font-size="16px" font-weight="bold" border-radius="6px" inner-padding="14px 28px" padding="16px 25px" />` +
    `</mj-attributes><mj-style>${STYLE}</mj-style></mj-head>` +
    `<mj-body background-color="#f4f4f5" width="600px">${header(safe)}` +
    `<mj-section background-color="#ffffff" border-radius="8px" padding="24px 0"><mj-column>\n${body}\n</mj-column></mj-section>` +
    `${footer(slots, content.blocks, safe)}</mj-body></mjml>`;
  return { mjml, restore: (html) => slots.restore(html) };
}

export type MjmlResult = { ok: true; html: string } | { ok: false; errors: string[] };

/** Runs MJML once for `content` and returns HTML whose Liquid is ready to parse (the expensive, per-version step). */
export async function contentToHtml(content: EmailContent, brand: Brand): Promise<MjmlResult> {
  const { mjml, restore } = buildMjml(content, brand);
  const result = await mjml2html(mjml, { validationLevel: "soft", keepComments: false });
  if (result.errors.length > 0) return { ok: false, errors: result.errors.map((e) => e.formattedMessage || e.message) };
  if (hasStrayLiquid(result.html)) return { ok: false, errors: ["MJML output contains Liquid delimiters of its own"] };
  // Indentation is most of MJML's output; dropping it shrinks every email without touching any text.
  return { ok: true, html: restore(result.html.replace(/\n\s+/g, "\n")) };
}
