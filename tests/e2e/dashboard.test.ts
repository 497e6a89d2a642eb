import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The main job as a merchant meets it: `npm run demo` (migrate, seed, build, serve), then the dashboard in Chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = path.resolve("test-results");

/** Waits for the element to be visible (client-side navigation renders after the URL changes). */
async function shown(locator: Locator) {
  await locator.waitFor({ state: "visible", timeout: 15_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealthy(url: string, demo: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (demo.exitCode !== null) throw new Error(`npm run demo exited with ${demo.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the demo did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

describe("npm run demo, in a browser", () => {
  let demo: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base = "";
  let dataDir = "";
  let log = "";
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(path.join(os.tmpdir(), "demo-e2e-"));
    demo = spawn("npm", ["run", "demo"], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: `file:${path.join(dataDir, "demo.db")}`,
        DEMO_TRAFFIC_INTERVAL_MS: "300",
      },
      detached: true, // its own process group, so the server it starts goes down with it
      stdio: ["ignore", "pipe", "pipe"],
    });
    demo.stdout?.on("data", (chunk) => (log += chunk));
    demo.stderr?.on("data", (chunk) => (log += chunk));
    await waitForHealthy(`${base}/healthz`, demo, () => log, 280_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (demo?.pid && demo.exitCode === null) {
      try {
        process.kill(-demo.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs in to the seeded demo shop and shows Home with its numbers", async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/demo/login`);
    await page.getByRole("button", { name: "Open Northwind Outfitters" }).click();
    await page.waitForURL(`${base}/app`);
    await shown(page.getByRole("heading", { name: "Home", level: 1 }));
    await shown(page.getByText("Attributed revenue").first());
    const body = await page.textContent("body");
    expect(body).toMatch(/Store revenue\s*\$[1-9][\d,]*\.\d\d/);
    expect(body).toMatch(/Subscribers\s*[1-9]\d*/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-home.png"), fullPage: true });
  });

  it("navigates to Flows, Customers and Settings", async () => {
    await page.getByRole("link", { name: "Flows" }).click();
    await page.waitForURL(`${base}/app/flows`);
    for (const name of ["Welcome series", "Abandoned checkout", "Post-purchase", "Winback", "Sunset"]) {
      await shown(page.getByText(name, { exact: true }));
    }
    // The demo switches on the presets a merchant starts with; the others stay off.
    expect(await page.getByText("Live", { exact: true }).count()).toBe(4);
    // The merchant's switch: turning Winback on makes it live.
    await page.getByRole("button", { name: "Turn on Winback" }).click();
    await shown(page.getByRole("button", { name: "Turn off Winback" }));
    expect(await page.getByText("Live", { exact: true }).count()).toBe(5);

    await page.getByRole("link", { name: "Customers" }).click();
    await page.waitForURL(`${base}/app/customers`);
    // 240 seeded, plus any subscriber the simulated store has added since.
    const profilesLine = page.getByText(/^\d+ profiles$/);
    await shown(profilesLine);
    expect(Number((await profilesLine.textContent())?.split(" ")[0])).toBeGreaterThanOrEqual(240);
    const search = page.getByPlaceholder("Search by email or name");
    await search.fill("olivia");
    await search.press("Enter");
    await page.waitForURL(/\/app\/customers\?q=olivia/);
    await page.waitForLoadState("networkidle");
    const rows = await page.locator("tbody tr").allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.toLowerCase()).toContain("olivia");
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-customers.png"), fullPage: true });
    // A customer's page: computed properties, consent and the timeline of what they did and were sent.
    await page.locator("tbody tr a").first().click();
    await page.waitForURL(/\/app\/customers\/[^/?]+$/);
    await shown(page.getByRole("heading", { name: "Timeline" }));
    await shown(page.getByText("Average order value"));
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-customer.png"), fullPage: true });

    await page.getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(`${base}/app/settings`);
    await shown(page.getByText("21:00–08:00 shop time"));

    await page.getByRole("link", { name: "Customer data requests" }).click();
    await page.waitForURL(`${base}/app/data-requests`);
    await shown(page.getByRole("heading", { name: "Data requests", level: 1 }));
    await page.goBack();
    await page.getByRole("link", { name: "Outbox" }).click();
    await page.waitForURL(`${base}/app/outbox`);
    await shown(page.getByRole("heading", { name: "Outbox", level: 1 }));
    await page.goBack();
    await page.getByRole("link", { name: "History import" }).click();
    await page.waitForURL(`${base}/app/backfill`);
    await shown(page.getByRole("heading", { name: "History import", level: 1 }));
    expect(pageErrors).toEqual([]);
  });

  it("builds a segment: the count follows the conditions as they are edited, and the saved segment lists its members", async () => {
    await page.goto(`${base}/app/segments`);
    await page.getByRole("link", { name: "Segments" }).first().waitFor();
    await page.getByText("Create segment", { exact: true }).click();
    await page.waitForURL(`${base}/app/segments/new`);
    const count = page.getByLabel("Live count");
    // The starter segment is everyone with email consent: the demo shop has subscribers.
    await expect.poll(async () => Number(await count.textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    const subscribers = Number(await count.textContent());
    const value = page.getByLabel("Value", { exact: true }).first();
    await value.fill("nobody-has-this-consent");
    await expect.poll(async () => (await count.textContent())?.trim(), { timeout: 15_000 }).toBe("0");
    await value.fill("subscribed");
    // The simulated store keeps signing people up, so the count may have grown meanwhile.
    await expect.poll(async () => Number(await count.textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(subscribers);
    await page.getByLabel("Segment name").fill("Subscribers");
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.waitForURL(/\/app\/segments\/(?!new)[^/]+$/);
    await shown(page.getByRole("heading", { name: "Subscribers", level: 1 }));
    expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-segment.png"), fullPage: true });
    await page.goto(`${base}/app/segments`);
    await shown(page.getByRole("link", { name: "Subscribers" }));
    expect(pageErrors).toEqual([]);
  });

  it("edits a flow's email: the preview follows the subject, and saving makes the version the flow page shows", async () => {
    await page.goto(`${base}/app/flows`);
    await page.getByRole("link", { name: "Abandoned checkout" }).click();
    await shown(page.getByRole("heading", { name: "Abandoned checkout", level: 1 }));
    const flowPage = page.url();
    await page.getByRole("link", { name: "Edit email" }).first().click();
    await page.waitForURL(/\/app\/flows\/[^/]+\/emails\/[\w-]+$/);
    const subject = page.getByLabel("Subject", { exact: true });
    await shown(subject);
    await subject.fill('Still thinking it over, {{ profile.first_name | default: "friend" }}?');
    // Rendered for the sample customer (or the one chosen), after a pause in typing.
    await shown(page.getByText(/^Subject: Still thinking it over, (?!\{)/));
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-email-editor.png"), fullPage: true });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await shown(page.getByText(/^Saved as version \d+\./));
    await page.goto(flowPage);
    await shown(page.getByRole("heading", { name: "Abandoned checkout", level: 1 }));
    await shown(page.getByText("Subject: Still thinking it over, {{ profile.first_name | default: \"friend\" }}?"));
    await shown(page.getByText("Edited", { exact: true }).first());
    expect(pageErrors).toEqual([]);
  });

  it("saves Settings: a bad brand colour is refused beside the field, a good one and the address are kept", async () => {
    await page.goto(`${base}/app/settings`);
    const colour = page.getByLabel("Brand colour");
    await shown(colour);
    const brandForm = page.locator("form").filter({ has: colour });
    await colour.fill("#zzz");
    await brandForm.getByRole("button", { name: "Save" }).click();
    await shown(brandForm.getByText("Nothing was saved."));
    await colour.fill("#0A7F5C");
    await brandForm.getByLabel("Postal address").fill("Northwind Outfitters\n12 Harbour Street\nPortland, ME 04101");
    await brandForm.getByRole("button", { name: "Save" }).click();
    await shown(brandForm.getByText("Saved", { exact: true }));
    await expect.poll(() => brandForm.getByText("Nothing was saved.").count()).toBe(0);

    const clickWindow = page.getByLabel("Click window", { exact: true });
    const attributionForm = page.locator("form").filter({ has: clickWindow });
    await clickWindow.fill("36");
    await attributionForm.getByLabel("Click window unit").selectOption("hours");
    await attributionForm.getByRole("button", { name: "Save" }).click();
    await shown(attributionForm.getByText("Saved", { exact: true }));
    await page.reload();
    await shown(page.getByText(/clicked within 36 hours/));
    // Stored as typed, in lower case.
    expect(await page.getByLabel("Brand colour").inputValue()).toBe("#0a7f5c");
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-settings.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("shows the simulated store's new orders, which arrive as signed webhooks through the inbox", async () => {
    await page.goto(`${base}/app`);
    const ordersShown = async () => Number(/Store revenue\s*\$[\d,]+\.\d{2}\s*(\d+) orders/.exec((await page.textContent("body")) ?? "")?.[1]);
    const before = await ordersShown();
    expect(before).toBeGreaterThan(0);
    let after = before;
    for (let i = 0; i < 40 && after <= before; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
      after = await ordersShown();
    }
    expect(after).toBeGreaterThan(before);
  });

  it("keeps serving only on loopback", async () => {
    expect(log).toContain(`Listening on ${base}`);
  });
});
