// A stand-in for a Shopify storefront around our theme app extension (extensions/signup-form): renders its blocks'
// Liquid with the settings a merchant would pick, serves them in a page with the extension's assets, and forwards
// /apps/shop-flows/* to the app the way Shopify's app proxy does (same body, the query signed with the app secret).
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Liquid } from "liquidjs";
import { appProxyQuery } from "./app-proxy";

export const EXTENSION_DIR = path.resolve("extensions/signup-form");

type Schema = { name: string; target: string; javascript?: string; stylesheet?: string; settings: Array<{ id?: string; default?: unknown; type: string }> };

const SCHEMA = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/;

/** A block file's source without its schema, and the schema. */
export function readBlock(file: string): { source: string; schema: Schema } {
  const text = readFileSync(path.join(EXTENSION_DIR, "blocks", file), "utf8");
  const match = SCHEMA.exec(text);
  if (!match) throw new Error(`${file} has no {% schema %}`);
  return { source: text.replace(SCHEMA, ""), schema: JSON.parse(match[1]!) as Schema };
}

function translations(locale: string): Record<string, unknown> {
  const file = path.join(EXTENSION_DIR, "locales", locale === "en" ? "en.default.json" : `${locale}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/**
 * Liquid as Shopify's theme renderer runs our blocks: `render` from snippets/, the `t` filter from locales/, and
 * Shopify's global objects (request, customer) visible inside rendered snippets too.
 */
function themeLiquid(locale: string, globals: Record<string, unknown>): Liquid {
  const engine = new Liquid({ root: path.join(EXTENSION_DIR, "snippets"), extname: ".liquid", strictFilters: true, globals });
  const words = translations(locale);
  engine.registerFilter("t", (key: string) => {
    const value = key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), words);
    if (typeof value !== "string") throw new Error(`missing translation ${key} (${locale})`);
    return value;
  });
  return engine;
}

export type BlockRender = { file: string; id: string; settings?: Record<string, unknown> };

/** The block's HTML for `settings` over its schema's defaults. */
export async function renderBlock(block: BlockRender, context: { locale?: string; customer?: Record<string, unknown> | null } = {}): Promise<string> {
  const { source, schema } = readBlock(block.file);
  const defaults = Object.fromEntries(schema.settings.filter((s) => s.id).map((s) => [s.id!, s.default ?? (s.type === "checkbox" ? false : "")]));
  const locale = context.locale ?? "en";
  const globals = { request: { locale: { iso_code: locale } }, customer: context.customer ?? null };
  return themeLiquid(locale, globals).parseAndRender(source, {
    block: { id: block.id, settings: { ...defaults, ...block.settings }, shopify_attributes: "" },
  });
}

/** A storefront page with the blocks in it and each block's assets, as Shopify injects them. */
export async function harnessPage(blocks: BlockRender[], context: Parameters<typeof renderBlock>[1] = {}): Promise<string> {
  const rendered = await Promise.all(blocks.map((b) => renderBlock(b, context)));
  const assets = new Set(blocks.flatMap((b) => {
    const { schema } = readBlock(b.file);
    return [schema.stylesheet, schema.javascript].filter((a): a is string => !!a);
  }));
  const tags = [...assets].map((a) => (a.endsWith(".css") ? `<link rel="stylesheet" href="/assets/${a}">` : `<script src="/assets/${a}" defer></script>`));
  return `<!doctype html><html lang="${context.locale ?? "en"}"><head><meta charset="utf-8"><title>Harness storefront</title>${tags.join("")}</head>
<body><header><a href="#main" id="skip">Skip to content</a> <button type="button" id="menu">Menu</button></header>
<main id="main"><h1>Harness storefront</h1>${rendered.filter((_, i) => blocks[i]!.file !== "signup-popup.liquid").join("\n")}
<p id="below">Content below the form.</p><div style="height:150vh"></div></main>
${rendered.filter((_, i) => blocks[i]!.file === "signup-popup.liquid").join("\n")}</body></html>`;
}

export type Storefront = { url: string; close(): Promise<void>; setPage(html: string): void; proxied: Array<{ path: string; status: number }> };

/**
 * Serves the page and the extension's assets, and forwards /apps/shop-flows/<path> to `${appUrl}/proxy/<path>`
 * signed for `shop` as Shopify does. Every asset must come from here: the page makes no other request.
 */
export async function startStorefront(options: { appUrl: string; shop: string; secret: string }): Promise<Storefront> {
  let page = "";
  const proxied: Storefront["proxied"] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://storefront");
    if (url.pathname === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    const asset = /^\/assets\/([\w.-]+)$/.exec(url.pathname);
    if (asset) {
      try {
        const body = readFileSync(path.join(EXTENSION_DIR, "assets", asset[1]!));
        res.writeHead(200, { "Content-Type": asset[1]!.endsWith(".css") ? "text/css" : "text/javascript" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    const proxy = /^\/apps\/shop-flows\/(.*)$/.exec(url.pathname);
    if (proxy) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const query = appProxyQuery(options.shop, { secret: options.secret, extra: Object.fromEntries(url.searchParams) });
      const forwarded = await fetch(`${options.appUrl}/proxy/${proxy[1]}?${query}`, {
        method: req.method,
        headers: {
          ...(req.headers["content-type"] ? { "Content-Type": req.headers["content-type"] } : {}),
          ...(req.headers.accept ? { Accept: req.headers.accept } : {}),
          "X-Forwarded-For": req.socket.remoteAddress ?? "127.0.0.1",
        },
        ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      });
      proxied.push({ path: proxy[1]!, status: forwarded.status });
      res.writeHead(forwarded.status, { "Content-Type": forwarded.headers.get("Content-Type") ?? "text/plain" }).end(Buffer.from(await forwarded.arrayBuffer()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    proxied,
    setPage(html) {
      page = html;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
