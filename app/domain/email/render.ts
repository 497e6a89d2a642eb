/**
 * Email rendering in two steps. compileEmail (once per template version and brand: async, slow) validates every
 * merchant string, runs MJML and parses the Liquid; renderEmail (once per recipient: synchronous, fast) only runs
 * the parsed Liquid, rewrites links and cleans the subject. Compile failures throw EmailTemplateError (a merchant
 * can read its message); render throws EmailRenderError only when a template hits Liquid's memory or time limits.
 */
import { createHash } from "node:crypto";
import type { Template } from "liquidjs";
import { emailContentSchema, type Block, type EmailContent } from "./content";
import { emailLiquid, plainLiquid, validateTemplateSource } from "./liquid";
import { createLinkRewriter, decodeEntities, rewriteAnchors, type LinkTracker } from "./links";
import { contentToHtml, TEXT_REGION, type Brand } from "./mjml";
import type { TemplateVariables } from "./variables";

export type { Brand } from "./mjml";

export const MAX_SUBJECT_LENGTH = 250;
const MAX_PREVIEW_LENGTH = 300;

export type CompiledEmail = {
  readonly subject: Template[];
  readonly previewText: Template[];
  readonly html: Template[];
};

export type RenderedEmail = { subject: string; previewText: string; html: string; text: string; links: string[] };

export type TemplateProblem = { field: string; error: string };

/** The content cannot be compiled; `problems` names each field (for the editor), `message` reads on its own. */
export class EmailTemplateError extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    const shown = problems.slice(0, 3).map((p) => `${p.field}: ${p.error}`);
    super([...shown, ...(problems.length > 3 ? [`and ${problems.length - 3} more`] : [])].join("; "));
    this.name = "EmailTemplateError";
  }
}

/** A template stopped at render time (a loop over a huge range, a render past its time limit). */
export class EmailRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmailRenderError";
  }
}

/** Every merchant-written string of the content, with a field name a merchant recognises. */
function merchantStrings(content: EmailContent): Array<{ field: string; source: string }> {
  const fields: Array<{ field: string; source: string }> = [
    { field: "Subject", source: content.subject },
    { field: "Preview text", source: content.previewText },
  ];
  content.blocks.forEach((block: Block, i) => {
    const at = (name: string) => `Block ${i + 1} (${block.type.replace("_", " ")}) ${name}`;
    for (const [key, value] of Object.entries(block)) {
      if (key !== "type" && typeof value === "string") fields.push({ field: at(key), source: value });
    }
  });
  return fields;
}

/** Validates, runs MJML once and parses every template once; throws EmailTemplateError with readable problems. */
export async function compileEmail(content: EmailContent, brand: Brand): Promise<CompiledEmail> {
  const parsed = emailContentSchema.safeParse(content);
  if (!parsed.success) {
    throw new EmailTemplateError(parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "content", error: issue.message })));
  }
  const checked = parsed.data;
  const problems: TemplateProblem[] = [];
  for (const { field, source } of merchantStrings(checked)) {
    const check = validateTemplateSource(source);
    if (!check.ok) problems.push({ field, error: check.error });
  }
  if (problems.length > 0) throw new EmailTemplateError(problems);

  const html = await contentToHtml(checked, brand);
  if (!html.ok) throw new EmailTemplateError(html.errors.map((error) => ({ field: "layout", error })));
  try {
    return {
      subject: plainLiquid.parse(checked.subject),
      previewText: plainLiquid.parse(checked.previewText),
      html: emailLiquid.parse(html.html),
    };
  } catch (error) {
    // Each piece parsed on its own above; failing here means the assembly is wrong, not the merchant's text.
    throw new EmailTemplateError([{ field: "layout", error: error instanceof Error ? error.message : String(error) }]);
  }
}

function renderSync(liquid: typeof emailLiquid, templates: Template[], variables: TemplateVariables): string {
  try {
    return liquid.renderSync(templates, variables) as string;
  } catch (error) {
    throw new EmailRenderError(error instanceof Error ? error.message.split("\n")[0] : String(error));
  }
}

/** One header line: no CR/LF (header injection), no other control characters, collapsed spaces, capped. */
export function cleanSubject(text: string, max = MAX_SUBJECT_LENGTH): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

const HREF_ATTRIBUTE = /\shref\s*=\s*"([^"]*)"/i;
const REGION = new RegExp(`${TEXT_REGION.open}|${TEXT_REGION.button}|${TEXT_REGION.close}`.replace(/[/]/g, "\\/"), "g");
const LINE = "\u0001";
const PARAGRAPH = "\u0002";

/** What each tag becomes in text; any other tag (images included) becomes nothing. */
const TAG_TEXT: Record<string, string> = { br: "\n", p: PARAGRAPH, table: PARAGRAPH, div: LINE, tr: LINE, li: LINE, ul: LINE, ol: LINE, center: LINE, section: LINE, td: " ", th: " " };
for (let level = 1; level <= 6; level++) TAG_TEXT[`h${level}`] = PARAGRAPH;

/**
 * Markup as text: HTML whitespace collapsed, paragraphs and <br>s kept, links as "text [url]", images left out.
 * A few native regular-expression passes over a few hundred characters: faster here than a scan in JS.
 */
function fragmentToText(html: string): string {
  const text = html
    // HTML whitespace collapses (and our break markers cannot come from the content): breaks come from tags only.
    .replace(/[\t\n\r\f \u0001\u0002]{2,}|[\t\n\r\f\u0001\u0002]/g, " ")
    .replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_, attributes: string, inner: string) => labelled(inner.replace(/<[^>]*>/g, "").trim(), attributes))
    .replace(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g, (_, closing: string, name: string) => {
      const out = TAG_TEXT[name.toLowerCase()] ?? "";
      return closing && out === " " ? "" : out; // a cell's start separates it from the previous one
    })
    .replace(/<[^>]*>/g, "");
  // Each run holding a break becomes the strongest break in it: a paragraph, its <br>s, or a line.
  return decodeEntities(text)
    .replace(/[ \n\u0001\u0002]*[\n\u0001\u0002][ \n\u0001\u0002]*/g, (run) => {
      const brs = run.split("\n").length - 1;
      if (run.includes(PARAGRAPH)) return "\n".repeat(Math.max(2, brs));
      return brs > 0 ? "\n".repeat(brs) : "\n";
    })
    .replace(/ {2,}/g, " ")
    .trim();
}

/** "label [href]" for a link (just the label when the href is missing or says the same); empty for an image link. */
function labelled(label: string, anchorAttributes: string): string {
  const href = HREF_ATTRIBUTE.exec(anchorAttributes)?.[1];
  if (!label) return "";
  return href && decodeEntities(href) !== decodeEntities(label) ? `${label} [${href}]` : label;
}

/**
 * The plain-text part of an email we rendered: the text regions mjml.ts marked (headings, text, products,
 * buttons with their links, discount, footer), a blank line apart. Converting those few hundred characters with
 * a handful of native regular-expression passes costs a fraction of html-to-text on the whole document (which
 * is four times a Liquid render). HTML without regions (not ours) is converted whole, minus head and preheader.
 */
export function htmlToPlainText(html: string): string {
  const parts: string[] = [];
  let start = -1;
  let button = false;
  for (const match of html.matchAll(REGION)) {
    if (match[0] !== TEXT_REGION.close) {
      start = match.index + match[0].length;
      button = match[0] === TEXT_REGION.button;
    } else if (start !== -1) {
      const inner = html.slice(start, match.index);
      // A button's label is inside MJML's <a>: its link is that anchor's href.
      const anchorAt = button ? html.lastIndexOf("<a", start) : -1;
      parts.push(anchorAt === -1 ? inner : `${html.slice(anchorAt, html.indexOf(">", anchorAt) + 1)}${inner}</a>`);
      start = -1;
    }
  }
  if (parts.length > 0) return fragmentToText(parts.join("<p>"));
  const bodyAt = html.search(/<body[\s>]/i);
  // Without our regions: the whole body, less MJML's preheader, comments (Outlook's markup) and hidden elements.
  const body = (bodyAt === -1 ? html : html.slice(bodyAt))
    .replace(/<div style="display:none;[^"]*">[^<]*<\/div>/, "")
    .replace(/<!--[\s\S]*?-->|<(style|script|title|head)\b[\s\S]*?<\/\1\s*>/gi, "");
  return fragmentToText(body);
}

/**
 * Renders one recipient's email from a compiled template: no MJML, no parsing. Web links are decorated and (with
 * a tracker) click-wrapped; the unsubscribe and preferences links stay direct. The text part is made from the
 * final HTML, so its links are the same tracked ones.
 */
export function renderEmail(
  compiled: CompiledEmail,
  variables: TemplateVariables,
  options: { tracker: LinkTracker | null; decorate: (url: string) => string },
): RenderedEmail {
  const rewriter = createLinkRewriter(options.tracker, options.decorate, [variables.links.unsubscribe, variables.links.preferences]);
  const html = rewriteAnchors(renderSync(emailLiquid, compiled.html, variables), rewriter, options.tracker?.openPixelUrl ?? null);
  return {
    subject: cleanSubject(renderSync(plainLiquid, compiled.subject, variables)),
    previewText: cleanSubject(renderSync(plainLiquid, compiled.previewText, variables), MAX_PREVIEW_LENGTH),
    html,
    // From the final HTML, so its links are the same tracked ones (the pixel is no text).
    text: htmlToPlainText(html),
    links: rewriter.links,
  };
}

/** A short, stable digest of the brand: part of a compile cache key, so a brand change compiles afresh. */
export function brandKey(brand: Brand): string {
  const fields = [brand.shopName, brand.logoUrl ?? "", brand.brandColor, brand.postalAddress ?? "", brand.shopUrl];
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url").slice(0, 16);
}

export type CompileCache = {
  /** The cached compile for `key`, or `compile()`'s, kept; a failed compile is not kept. */
  get(key: string, compile: () => Promise<CompiledEmail>): Promise<CompiledEmail>;
  readonly size: number;
};

/** A small LRU of compiles keyed by the caller (e.g. `${flowVersionId}:${stepId}:${brandKey}`), holding promises so concurrent misses compile once. */
export function createCompileCache(max: number): CompileCache {
  const entries = new Map<string, Promise<CompiledEmail>>();
  return {
    get(key, compile) {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const promise = compile();
      entries.set(key, promise);
      promise.catch(() => {
        if (entries.get(key) === promise) entries.delete(key);
      });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
      return promise;
    },
    get size() {
      return entries.size;
    },
  };
}
