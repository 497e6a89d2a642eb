import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureColdLoad } from "../tests/helpers/web-vitals";
import { serveStaticCopies, staticCopy, type StaticCopyServer } from "./vitals-page";

// bench:vitals' measuring parts, in real Chromium: the web-vitals observer and the static-copy ceiling.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// A page whose script pushes its content down half a second after load: a layout shift of about a third.
const SHIFTING_PAGE = `<!doctype html><html><head><link rel="stylesheet" href="/assets/page.css">
<link rel="modulepreload" href="/assets/entry.js"></head><body>
<h1 id="title">Attributed revenue by flow</h1><p style="height:400px">Numbers</p>
<script>setTimeout(() => { const b = document.createElement("div"); b.style.height = "300px"; document.body.prepend(b); }, 500);</script>
</body></html>`;

describe("bench:vitals measuring", () => {
  let browser: Browser;
  let server: StaticCopyServer;
  let assets = "";

  beforeAll(async () => {
    assets = mkdtempSync(path.join(os.tmpdir(), "vitals-assets-"));
    mkdirSync(path.join(assets, "assets"));
    writeFileSync(path.join(assets, "assets", "page.css"), "h1 { color: rgb(0, 128, 0); font-size: 64px; }");
    writeFileSync(path.join(os.tmpdir(), "vitals-outside.txt"), "not an asset");
    server = await serveStaticCopies(new Map([["/page", SHIFTING_PAGE], ["/copy", staticCopy(SHIFTING_PAGE)]]), assets);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(assets, { recursive: true, force: true });
    rmSync(path.join(os.tmpdir(), "vitals-outside.txt"), { force: true });
  });

  it("takes scripts and module preloads out of the copy, and keeps its stylesheets and content", () => {
    const copy = staticCopy(SHIFTING_PAGE);
    expect(copy).not.toContain("<script");
    expect(copy).not.toContain("modulepreload");
    expect(copy).toContain(`<link rel="stylesheet" href="/assets/page.css">`);
    expect(copy).toContain("Attributed revenue by flow");
  });

  it("measures the largest paint and counts a late layout shift; the static copy paints the same without shifting", async () => {
    const ready = (page: import("playwright-core").Page) => page.getByRole("heading", { name: "Attributed revenue by flow" }).waitFor();
    const page = await measureColdLoad(browser, { url: server.url("/page"), ready, settleMs: 1_000 });
    expect(page.lcp).toBeGreaterThan(0);
    expect(page.lcpElement).toMatch(/^(h1 "Attributed revenue by flow"|p "Numbers")$/);
    expect(page.cls).toBeGreaterThan(0.05);

    let color = "";
    const copy = await measureColdLoad(browser, {
      url: server.url("/copy"),
      ready,
      settleMs: 1_000,
      after: async (loaded) => {
        color = await loaded.locator("h1").evaluate((h) => getComputedStyle(h).color);
      },
    });
    expect(copy.lcp).toBeGreaterThan(0);
    expect(copy.cls).toBe(0);
    // The stylesheet came from the client build folder.
    expect(color).toBe("rgb(0, 128, 0)");
  });

  it("serves nothing outside the assets folder and answers 404 for what it does not have", async () => {
    const status = (rawPath: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(server.url("/"));
        http.get({ host: url.hostname, port: url.port, path: rawPath }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on("error", reject);
      });
    expect(await status("/assets/page.css")).toBe(200);
    expect(await status(`/../${path.basename(assets)}/../vitals-outside.txt`)).toBe(404);
    expect(await status("/%2e%2e/vitals-outside.txt")).toBe(404);
    // An encoded slash survives URL parsing; decoded, it climbs out of the folder to a file that exists there.
    expect(await status("/..%2fvitals-outside.txt")).toBe(404);
    expect(await status("/missing.css")).toBe(404);
  });
});
