/**
 * Liquid for emails. Two instances share one vocabulary: `emailLiquid` HTML-escapes every output (profile and event
 * data can never become markup), `plainLiquid` does not (subjects and plain text). Both know only the tags and
 * filters a merchant may use, so a template that passed validation cannot reach include/render/raw at render time
 * either, and both cap memory and time so a merchant's loop cannot stall a worker.
 */
import { Liquid, Tokenizer, TypeGuards, type Template } from "liquidjs";

export const ALLOWED_TAGS = ["if", "unless", "for", "case", "assign", "capture"] as const;
/** Tag names that only appear inside (or closing) an allowed tag. */
const INNER_TAGS = ["elsif", "else", "when", "endif", "endunless", "endfor", "endcase", "endcapture"];

export const ALLOWED_FILTERS = [
  "default", "upcase", "downcase", "capitalize", "truncate", "truncatewords", "strip", "lstrip", "rstrip",
  "strip_html", "strip_newlines", "squish", "normalize_whitespace", "append", "prepend", "replace", "replace_first",
  "replace_last", "remove", "remove_first", "remove_last", "slice", "split", "join", "first", "last", "size",
  "reverse", "sort", "uniq", "compact", "map", "url_encode", "date", "plus", "minus", "times",
  "divided_by", "modulo", "round", "floor", "ceil", "abs", "at_least", "at_most", "money",
] as const;

/** The variables every email gets; a template may not reassign them (the footer's links depend on them). */
export const RESERVED_VARIABLES = ["profile", "shop", "checkout", "order", "product", "discount", "links"];

// A real email renders in well under a millisecond and allocates a few kilobytes; these only stop abuse
// (nested loops over big ranges) before it stalls a worker sending to thousands of recipients.
const LIMITS = {
  parseLimit: 1_000_000, // characters per template: 50 blocks of the longest text, in MJML's layout
  memoryLimit: 2_000_000, // string and array allocations per render
  // Milliseconds per render: the largest content the schema allows takes ~20 ms warm and ~70 ms cold on one core;
  // a loaded worker must not fail a legitimate email for taking a few times longer.
  renderLimit: 1_000,
};

/** `{{ 19.5 | money: "EUR" }}` -> "€19.50"; an unknown currency or a non-number is left as it was. */
function money(value: unknown, currency: unknown = "USD"): unknown {
  const amount = typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(amount) || typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return value;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount);
  } catch {
    return value;
  }
}

function restrictedLiquid(outputEscape: "escape" | undefined): Liquid {
  const liquid = new Liquid({
    ...LIMITS,
    ...(outputEscape ? { outputEscape } : {}),
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    timezoneOffset: 0, // dates print in UTC, whatever the worker's zone
    cache: false,
  });
  liquid.registerFilter("money", money);
  const tags: readonly string[] = ALLOWED_TAGS;
  const filters: readonly string[] = ALLOWED_FILTERS;
  for (const name of Object.keys(liquid.tags)) if (!tags.includes(name)) delete liquid.tags[name];
  for (const name of Object.keys(liquid.filters)) if (!filters.includes(name)) delete liquid.filters[name];
  return liquid;
}

export const emailLiquid = restrictedLiquid("escape");
export const plainLiquid = restrictedLiquid(undefined);

export type TemplateCheck = { ok: true } | { ok: false; error: string };

/** A piece of merchant source: literal text, or one Liquid tag or output exactly as written. */
export type TemplateSegment = { liquid: boolean; source: string };

function tokensOf(source: string) {
  return new Tokenizer(source, emailLiquid.options.operators).readTopLevelTokens(emailLiquid.options);
}

/** Splits merchant source into literal text and Liquid pieces; source that does not tokenize is all literal. */
export function templateSegments(source: string): TemplateSegment[] {
  let tokens;
  try {
    tokens = tokensOf(source);
  } catch {
    return [{ liquid: false, source }];
  }
  return tokens.map((token) => ({
    liquid: !TypeGuards.isHTMLToken(token),
    source: source.slice(token.begin, token.end),
  }));
}

/** liquidjs messages end with ", line:1, col:5" and may carry a source excerpt; a merchant needs the first line. */
function readable(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n")[0].trim();
  const located = /^(.*?), line:(\d+), col:(\d+)$/.exec(first);
  const text = located ? `${located[1]} (line ${located[2]}, column ${located[3]})` : first;
  return text
    .replace(/^undefined filter: (\S+)/, (_, name) => `The filter "${name}" is not available in emails`)
    .replace(/^tag "?([\w#]+)"? not found/, (_, name) => `The tag {% ${name} %} is not available in emails`);
}

/**
 * Checks merchant-written Liquid: it parses on its own (every tag it opens, it closes), uses only the allowed tags
 * and filters, and does not assign to the variables the email itself relies on. The error is for the merchant.
 */
export function validateTemplateSource(source: string): TemplateCheck {
  let tokens;
  try {
    tokens = tokensOf(source);
  } catch (error) {
    return { ok: false, error: `This text has unfinished Liquid: ${readable(error)}` };
  }
  for (const token of tokens) {
    if (TypeGuards.isTagToken(token)) {
      const name = token.name;
      if (!(ALLOWED_TAGS as readonly string[]).includes(name) && !INNER_TAGS.includes(name)) {
        return { ok: false, error: `The tag {% ${name} %} is not available in emails. Use ${ALLOWED_TAGS.join(", ")}.` };
      }
      if (name === "assign" || name === "capture") {
        const target = /^\s*["']?([\w-]+)/.exec(token.args)?.[1];
        if (target && RESERVED_VARIABLES.includes(target)) {
          return { ok: false, error: `"${target}" is one of the email's own variables and cannot be changed with {% ${name} %}. Pick another name.` };
        }
      }
    } else if (TypeGuards.isOutputToken(token)) {
      let filters;
      try {
        filters = new Tokenizer(token.input, emailLiquid.options.operators, undefined, token.contentRange).readFilteredValue().filters;
      } catch (error) {
        return { ok: false, error: `Cannot read ${source.slice(token.begin, token.end)}: ${readable(error)}` };
      }
      const refused = filters.find((f) => !(ALLOWED_FILTERS as readonly string[]).includes(f.name));
      if (refused && (refused.name === "escape" || refused.name === "escape_once")) {
        return { ok: false, error: `Remove "| ${refused.name}": every value in an email is escaped already.` };
      }
      if (refused) {
        return { ok: false, error: `The filter "${refused.name}" is not available in emails. Available filters: ${ALLOWED_FILTERS.join(", ")}.` };
      }
    }
  }
  try {
    emailLiquid.parse(source);
  } catch (error) {
    return { ok: false, error: readable(error) };
  }
  return { ok: true };
}

/** Parses a template for repeated rendering; throws on invalid source (validate first for a readable error). */
export function parseTemplate(liquid: Liquid, source: string): Template[] {
  return liquid.parse(source);
}

/** HTML-escapes text, braces included: literal text can then never open a Liquid tag after it is joined to one. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'{}]/g, (c) => ESCAPES[c]);
}
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "{": "&#123;", "}": "&#125;" };
