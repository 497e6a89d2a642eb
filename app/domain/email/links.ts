/**
 * Links in a rendered email: UTM parameters and the profile token on the way out, click tracking around every web
 * link, anything that is not a web, mail or phone link removed, and the open pixel. Runs per recipient on the final
 * HTML, so it is a single regular-expression pass, not an HTML parse: the HTML is ours (MJML's markup around
 * escaped merchant and profile text), so every attribute is quoted and no value holds a raw quote or angle bracket.
 */
import { escapeHtml } from "./liquid";

export type LinkTracker = { click(destination: string): string; openPixelUrl: string | null };

export type DecorateOptions = {
  utm: { source: string; medium: string; campaign: string; content?: string };
  /** Signed profile token for the web pixel; null leaves links anonymous. */
  profileToken: string | null;
  profileTokenParam: "_sft";
  /** Host names of the shop's storefront: only links there get the profile token. */
  shopHosts: string[];
};

const bareHost = (host: string) => host.toLowerCase().replace(/^www\./, "");

/** The destination with UTM parameters (those already present are kept) and, for the shop's own https hosts, the profile token. */
export function decorateDestination(url: string, options: DecorateOptions): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return url;
  // Per recipient and per link: the query is extended as a string and re-parsed once, not set param by param.
  const params = parsed.search ? parsed.searchParams : null;
  let added = "";
  const add = (name: string, value: string | undefined) => {
    if (value && !params?.has(name)) added += `&${name}=${encodeURIComponent(value)}`;
  };
  add("utm_source", options.utm.source);
  add("utm_medium", options.utm.medium);
  add("utm_campaign", options.utm.campaign);
  add("utm_content", options.utm.content);
  // A credential: only over https, and only to the shop's own storefront; never someone else's token left in.
  const host = bareHost(parsed.hostname);
  if (options.profileToken && parsed.protocol === "https:" && options.shopHosts.some((h) => bareHost(h) === host)) {
    params?.delete(options.profileTokenParam);
    added += `&${options.profileTokenParam}=${encodeURIComponent(options.profileToken)}`;
  }
  if (added) parsed.search = parsed.search ? `${parsed.search}${added}` : added.slice(1);
  return parsed.href;
}

export type HrefKind = { kind: "web"; url: string } | { kind: "keep" } | { kind: "drop" };

/** What a link target is: a web address (tracked), a mail/phone/fragment link (kept as is), or anything else (dropped). */
export function classifyHref(raw: string): HrefKind {
  // As a browser reads it (WHATWG URL): outer controls and spaces trimmed, tabs and newlines dropped anywhere,
  // so "java\tscript:" is javascript: here too.
  // eslint-disable-next-line no-control-regex
  const href = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
  if (href.startsWith("#")) return { kind: "keep" };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1].toLowerCase();
  if (scheme === "http" || scheme === "https") {
    try {
      return { kind: "web", url: new URL(href).href };
    } catch {
      return { kind: "drop" };
    }
  }
  if (scheme === "mailto" || scheme === "tel") return { kind: "keep" };
  return { kind: "drop" }; // javascript:, data:, vbscript:, relative paths, empty
}

const ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", middot: "\u00b7", times: "\u00d7", hellip: "\u2026", mdash: "\u2014",
  ndash: "\u2013", zwnj: "\u200c", copy: "\u00a9", reg: "\u00ae",
};

/** Decodes the entities our emails hold: the HTML escapes, numeric references and the few named ones MJML and we write. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return ENTITIES[name.toLowerCase()] ?? match;
  });
}

export type LinkRewriter = {
  /** The href to write for a link target, or null to drop the link; records tracked destinations. */
  target(raw: string): string | null;
  links: string[];
};

/**
 * Decides every link of one email once: a destination that appears twice (HTML and plain text, or two buttons)
 * gets the same tracked URL. `direct` targets (unsubscribe, preferences) stay exactly as they are.
 */
export function createLinkRewriter(tracker: LinkTracker | null, decorate: (url: string) => string, direct: readonly string[] = []): LinkRewriter {
  const seen = new Map<string, string | null>();
  const links: string[] = [];
  return {
    links,
    target(raw) {
      const known = seen.get(raw);
      if (known !== undefined) return known;
      let href: string | null;
      const kind = direct.includes(raw) ? ({ kind: "keep" } as const) : classifyHref(raw);
      if (kind.kind === "web") {
        const destination = decorate(kind.url);
        href = tracker ? tracker.click(destination) : destination;
        if (!links.includes(destination)) links.push(destination);
      } else {
        href = kind.kind === "keep" ? raw : null;
      }
      seen.set(raw, href);
      return href;
    },
  };
}

const ANCHOR_OR_BODY_END = /<a\s[^>]*>|<\/body\s*>/gi;
const HREF = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

const pixelTag = (url: string) => `<img src="${escapeHtml(url)}" width="1" height="1" alt="" style="display:block">`;

const OPEN_PIXEL = /<img src="[^"]*\/t\/o\/[^"]*" width="1" height="1" alt="" style="display:block">/g;

/** The email without its open pixel: the merchant viewing a sent email in the outbox is not its recipient opening it. */
export function withoutOpenPixel(html: string): string {
  return html.replace(OPEN_PIXEL, "");
}

/**
 * Rewrites every `<a href>` of the email through `rewriter`, dropping the href of links that may not stay, and
 * puts the open pixel (if any) before </body>, or at the end of a fragment: one pass, one copy of the HTML.
 */
export function rewriteAnchors(html: string, rewriter: LinkRewriter, pixelUrl: string | null = null): string {
  let pixelPlaced = false;
  const out = html.replace(ANCHOR_OR_BODY_END, (tag) => {
    if (tag[1] === "/") {
      if (!pixelUrl || pixelPlaced) return tag;
      pixelPlaced = true;
      return pixelTag(pixelUrl) + tag;
    }
    const match = HREF.exec(tag);
    if (!match) return tag;
    const raw = decodeEntities(match[1] ?? match[2] ?? match[3] ?? "");
    const href = rewriter.target(raw);
    const start = match.index;
    const end = start + match[0].length;
    return href === null ? tag.slice(0, start) + tag.slice(end) : `${tag.slice(0, start)} href="${escapeAttribute(href)}"${tag.slice(end)}`;
  });
  return pixelUrl && !pixelPlaced ? out + pixelTag(pixelUrl) : out;
}

function escapeAttribute(value: string): string {
  if (!/[&"<>]/.test(value)) return value; // tracked URLs are base64url: the common case
  return value.replace(/[&"<>]/g, (c) => (c === "&" ? "&amp;" : c === '"' ? "&quot;" : c === "<" ? "&lt;" : "&gt;"));
}

/**
 * Tracks and decorates every web link of an email (mailto:/tel: and `direct` links untouched, javascript:/data:
 * and other schemes dropped) and adds the open pixel when the tracker has one. `links` lists each decorated
 * destination once, in the order it first appears.
 */
export function rewriteLinks(
  html: string,
  tracker: LinkTracker | null,
  decorate: (url: string) => string,
  options: { direct?: readonly string[] } = {},
): { html: string; links: string[] } {
  const rewriter = createLinkRewriter(tracker, decorate, options.direct);
  return { html: rewriteAnchors(html, rewriter, tracker?.openPixelUrl ?? null), links: rewriter.links };
}
