import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";

/**
 * The ceiling for a page's Largest Contentful Paint: the same page as the browser rendered it, saved as static HTML
 * without its scripts (no loader, no server rendering, no hydration), served with the same stylesheets and assets
 * from the app's client build by a bare node:http server. That is the soonest this machine's Chromium can paint
 * the page's content.
 */
export function staticCopy(renderedHtml: string): string {
  return renderedHtml
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "")
    .replace(/<link\b[^>]*rel="modulepreload"[^>]*>/gi, "");
}

const TYPES: Record<string, string> = {
  ".css": "text/css",
  ".js": "text/javascript",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".ico": "image/x-icon",
};

export type StaticCopyServer = { url: (pagePath: string) => string; close(): Promise<void> };

/** Serves each copy at its page's path, and every other path from `assetsDir` (the Remix client build). */
export function serveStaticCopies(pages: Map<string, string>, assetsDir: string): Promise<StaticCopyServer> {
  const root = path.resolve(assetsDir);
  const server = http.createServer(async (req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const page = pages.get(pathname);
    if (page !== undefined) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    const file = path.resolve(root, `.${decodeURIComponent(pathname)}`);
    if (!file.startsWith(`${root}${path.sep}`)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: (pagePath) => `http://127.0.0.1:${port}${pagePath}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
