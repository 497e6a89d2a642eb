import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type DemoProcess } from "../helpers/demo-process";
import { harnessPage, startStorefront } from "../helpers/theme-harness";
import { measureColdLoad, type Vitals } from "../helpers/web-vitals";

// The main job as a merchant meets it: `npm run demo` (migrate, seed, build, serve), then the dashboard in Chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = path.resolve("test-results");

/** Waits for the element to be visible (client-side navigation renders after the URL changes). */
async function shown(locator: Locator) {
  await locator.waitFor({ state: "visible", timeout: 15_000 });
}

describe("npm run demo, in a browser", () => {
  let demo: DemoProcess;
  let browser: Browser;
  let page: Page;
  let base = "";
  const pageErrors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ env: { DEMO_TRAFFIC_INTERVAL_MS: "300" } });
    base = demo.base;
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
    await demo?.stop();
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

  it("changes Home's numbers with the date range: presets and a custom range on the calendar, kept in the URL", async () => {
    console.log(`Home screenshots are written to ${SCREENSHOTS}`);
    await page.goto(`${base}/app`);
    await shown(page.getByRole("heading", { name: "Home", level: 1 }));
    const storeOrders = async () => Number(/Store revenue\s*\$[\d,]+\.\d{2}\s*([\d,]+) orders/.exec((await page.textContent("body")) ?? "")?.[1]?.replace(/,/g, ""));
    const subtitle = () => page.getByText(/^Northwind Outfitters · \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$/).textContent();
    const thirty = await storeOrders();

    await page.getByRole("link", { name: "Last 7 days" }).click();
    await page.waitForURL(/\/app\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
    await shown(page.getByRole("button", { name: "Last 7 days", pressed: true }));
    const seven = await storeOrders();
    await page.getByRole("link", { name: "Last 90 days" }).click();
    await shown(page.getByRole("button", { name: "Last 90 days", pressed: true }));
    const ninety = await storeOrders();
    // The seeded history is older than the replayed month: 90 days hold far more orders than 7.
    expect(seven).toBeLessThanOrEqual(thirty);
    expect(ninety).toBeGreaterThan(seven);
    expect(ninety).toBeGreaterThanOrEqual(thirty);
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-home-90-days.png"), fullPage: true });

    // A custom range: two days picked on the calendar (the first two enabled days it shows), then Apply.
    const before = page.url();
    await page.getByRole("button", { name: "Custom range" }).click();
    const days = page.locator(".Polaris-DatePicker__Day:not([disabled])");
    await shown(days.first());
    await days.nth(0).click();
    await days.nth(9).click();
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await page.waitForURL((url) => url.href !== before);
    const url = new URL(page.url());
    const [from, to] = [url.searchParams.get("from")!, url.searchParams.get("to")!];
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(9);
    // The URL changes before the new numbers render: wait for the subtitle of this range, not any range.
    await expect.poll(async () => (await subtitle()) ?? "").toContain(`${from} to ${to}`);
    await shown(page.getByRole("button", { name: /\w{3} \d+.* – \w{3} \d+, \d{4}/ }));

    // A range typed into the address bar that cannot be used: the last 30 days, and why.
    await page.goto(`${base}/app?from=2026-13-45&to=whenever`);
    await shown(page.getByText("That date range could not be used"));
    expect(await storeOrders()).toBeGreaterThanOrEqual(thirty);
    expect(pageErrors).toEqual([]);
  });

  it("measures Home's web vitals on cold loads: prints LCP, and CLS <= 0.1 on every load", async () => {
    // Fresh contexts with the logged-in cookie: nothing cached, as a merchant opening the app. Three loads, because
    // one sample on a shared two-core machine measures the neighbours as much as the page.
    const storageState = await page.context().storageState();
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
    const samples: Vitals[] = [];
    // Timing is printed, not asserted: a timed test on a shared two-core machine measures its neighbours (the demo's
    // month replay, the other test files), and performance claims belong in bench/ (npm run bench:vitals). Layout
    // shift does not depend on speed, so CLS is asserted on every load.
    for (let i = 0; i < 3; i++) {
      samples.push(
        await measureColdLoad(browser, {
          url: `${base}/app?from=${from}&to=${today}`,
          storageState,
          ready: (cold) => shown(cold.getByRole("heading", { name: "Attributed revenue by flow" })),
          after: (cold) => cold.screenshot({ path: path.join(SCREENSHOTS, "demo-home-vitals.png"), fullPage: true }).then(() => undefined),
        }),
      );
    }
    console.log(`Home web vitals: ${samples.map((v) => `LCP ${v.lcp.toFixed(0)} ms (first byte ${v.ttfb.toFixed(0)} ms), CLS ${v.cls.toFixed(3)}`).join("; ")}`);
    // Every load painted its largest element (the observer saw it) and nothing moved.
    expect(Math.min(...samples.map((v) => v.lcp))).toBeGreaterThan(0);
    expect(Math.max(...samples.map((v) => v.cls))).toBeLessThanOrEqual(0.1);
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
    // The URL changes before the search's rows replace the unfiltered ones: wait for the rows themselves.
    await expect
      .poll(async () => {
        const rows = await page.locator("tbody tr").allTextContents();
        return rows.length > 0 && rows.every((row) => row.toLowerCase().includes("olivia"));
      }, { timeout: 15_000 })
      .toBe(true);
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

  it("saves Lead scoring: rules and threshold are kept, a private CRM address is refused beside the field", async () => {
    await page.goto(`${base}/app`);
    await page.getByRole("link", { name: "Lead scoring" }).click();
    await page.waitForURL(`${base}/app/scoring`);
    const threshold = page.getByLabel("Sales-ready at");
    await shown(threshold);
    const rulesForm = page.locator("form").filter({ has: threshold });
    await threshold.fill("25");
    await rulesForm.getByRole("button", { name: "Add an event rule" }).click();
    await rulesForm.getByRole("button", { name: "Save rules" }).click();
    await shown(rulesForm.getByText("Saved", { exact: true }));

    const crm = page.getByLabel("CRM webhook");
    const handoff = page.locator("form").filter({ has: crm });
    await crm.fill("https://10.0.0.1/hook");
    await handoff.getByRole("button", { name: "Save" }).click();
    await shown(handoff.getByText("Use a public address: private and local addresses are refused"));
    await crm.fill("https://crm.example.com/hooks/leads");
    await handoff.getByLabel("Tag the customer in Shopify").fill("sales-ready");
    await handoff.getByRole("button", { name: "Save" }).click();
    await shown(handoff.getByText("Saved", { exact: true }));

    await page.reload();
    await shown(page.getByLabel("Sales-ready at"));
    expect(await page.getByLabel("Sales-ready at").inputValue()).toBe("25");
    expect(await page.getByLabel("CRM webhook").inputValue()).toBe("https://crm.example.com/hooks/leads");
    // Five default event rules and the one added.
    expect(await page.getByLabel("When a customer…").count()).toBe(6);
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-lead-scoring.png"), fullPage: true });
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

  it("serves the signup form and popup on a storefront: timing, focus, closing, and a signup the dashboard counts", async () => {
    // The theme extension's Liquid, JS and CSS in a harness page; its posts reach the demo app through a local
    // stand-in for Shopify's app proxy that signs them with the app secret (the demo's, inherited from this env).
    const storefront = await startStorefront({ appUrl: base, shop: "northwind-outfitters.myshopify.com", secret: process.env.SHOPIFY_API_SECRET! });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      storefront.setPage(
        await harnessPage([
          { file: "signup-form.liquid", id: "footer-form", settings: { form_name: "Footer form", show_first_name: true } },
          { file: "signup-popup.liquid", id: "welcome-popup", settings: { form_name: "Welcome popup", delay_seconds: 2, exit_intent: false, hide_days: 14 } },
        ]),
      );
      const shopper = await context.newPage();
      const requests: string[] = [];
      const shopperErrors: string[] = [];
      shopper.on("request", (request) => requests.push(request.url()));
      shopper.on("pageerror", (error) => shopperErrors.push(error.message));
      const popup = shopper.locator("[data-sf-popup]");
      const teaser = shopper.locator("[data-sf-teaser]");
      const focusInDialog = () => shopper.evaluate(() => !!document.activeElement?.closest("[role=dialog]"));

      // When the popup opened, in the page's own time (ms since navigation): robust to a slow page load.
      await shopper.addInitScript(() => {
        new MutationObserver((changes) => {
          for (const change of changes) {
            const target = change.target as HTMLElement;
            if (target.matches("[data-sf-popup]") && !target.hidden) (window as unknown as { sfOpenedAt?: number }).sfOpenedAt ??= performance.now();
          }
        }).observe(document, { subtree: true, attributes: true, attributeFilter: ["hidden"] });
        // The shopper is on the menu button when the popup opens: focus must come back there.
        document.addEventListener("DOMContentLoaded", () => document.getElementById("menu")?.focus());
      });
      await shopper.goto(storefront.url);
      // On its own after its 2 s delay, not before, with the email field focused.
      await popup.waitFor({ state: "visible", timeout: 10_000 });
      const openedAt = await shopper.evaluate(() => (window as unknown as { sfOpenedAt?: number }).sfOpenedAt ?? 0);
      expect(openedAt).toBeGreaterThanOrEqual(2_000);
      expect(openedAt).toBeLessThan(6_000);
      expect(await shopper.evaluate(() => document.activeElement?.id)).toBe("sf-email-welcome-popup");
      // Focus stays in the dialog, both ways round.
      for (let i = 0; i < 5; i++) {
        await shopper.keyboard.press("Tab");
        expect(await focusInDialog()).toBe(true);
      }
      for (let i = 0; i < 5; i++) {
        await shopper.keyboard.press("Shift+Tab");
        expect(await focusInDialog()).toBe(true);
      }
      await shopper.screenshot({ path: path.join(SCREENSHOTS, "storefront-popup.png") });
      // Escape closes it and gives focus back; a tab stays to reopen it.
      await shopper.keyboard.press("Escape");
      await popup.waitFor({ state: "hidden" });
      expect(await shopper.evaluate(() => document.activeElement?.id)).toBe("menu");
      await teaser.waitFor({ state: "visible" });

      // Closed means closed: not on the next page either, only the tab.
      await shopper.reload();
      await shopper.waitForTimeout(3_000);
      expect(await popup.isVisible()).toBe(false);
      expect(await teaser.isVisible()).toBe(true);
      await teaser.click();
      await popup.waitFor({ state: "visible" });
      expect(await shopper.evaluate(() => document.activeElement?.id)).toBe("sf-email-welcome-popup");
      await popup.getByRole("button", { name: "Close" }).click();
      await popup.waitFor({ state: "hidden" });
      expect(await shopper.evaluate(() => document.activeElement?.hasAttribute("data-sf-teaser"))).toBe(true);

      // The inline form: a typo is refused beside the field, then the signup goes through without moving the page.
      const inline = shopper.locator('[data-form-id="footer-form"]');
      const below = async () => (await shopper.locator("#below").boundingBox())!.y;
      const belowBefore = await below();
      await inline.getByLabel("Email").fill("not-an-email");
      await inline.getByRole("button", { name: "Subscribe" }).click();
      await shown(inline.getByText("Please enter a valid email address, like name@example.com."));
      expect(await inline.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
      const email = `storefront-${Date.now()}@lovelace.net`;
      await inline.getByLabel("First name").fill("Stella");
      await inline.getByLabel("Email").fill(email);
      await inline.getByRole("button", { name: "Subscribe" }).click();
      await shown(inline.getByText("Thanks for signing up! Check your inbox."));
      expect(await below()).toBe(belowBefore);
      expect(await teaser.isVisible()).toBe(false);
      await shopper.screenshot({ path: path.join(SCREENSHOTS, "storefront-signup.png") });

      // Only the storefront itself was asked for anything: assets and the app proxy.
      expect(requests.filter((url) => !url.startsWith(storefront.url))).toEqual([]);
      expect(storefront.proxied).toContainEqual({ path: "signup", status: 422 });
      expect(storefront.proxied).toContainEqual({ path: "signup", status: 200 });
      expect(shopperErrors).toEqual([]);

      // The merchant sees the form's numbers (two page views, one signup) and the new subscriber.
      await page.goto(`${base}/app/forms`);
      await shown(page.getByRole("heading", { name: "Signup forms", level: 1 }));
      const footerRow = page.locator("tr").filter({ hasText: "Footer form" });
      await expect.poll(async () => (await footerRow.textContent()) ?? "", { timeout: 15_000 }).toMatch(/Inline\s*2\s*1\s*0\s*50\.0 %/);
      await shown(page.locator("tr").filter({ hasText: "Welcome popup" }));
      await page.screenshot({ path: path.join(SCREENSHOTS, "demo-signup-forms.png"), fullPage: true });
      await expect
        .poll(async () => {
          await page.goto(`${base}/app/customers?q=${encodeURIComponent(email)}`);
          return page.locator("tbody tr").count();
        }, { timeout: 20_000 })
        .toBe(1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
      await storefront.close();
    }
  });

  it("keeps serving only on loopback", async () => {
    expect(demo.output()).toContain(`Listening on ${base}`);
  });
});
