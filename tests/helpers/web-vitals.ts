import type { Browser, BrowserContextOptions, Page } from "playwright-core";

/**
 * Core Web Vitals of one cold page load in Chromium, from the browser's own entries: Largest Contentful Paint
 * (the last `largest-contentful-paint` entry before input) and Cumulative Layout Shift (the sum of `layout-shift`
 * entries without recent input, as web-vitals' CLS before session windows; never less than it). A fresh context per
 * load, so nothing is cached, as a merchant opening the app.
 */
export type Vitals = {
  lcp: number;
  cls: number;
  /** The document's first byte: how much of the LCP was the server's. */
  ttfb: number;
  /** The element the LCP entry names (tag and text), to see what was measured. */
  lcpElement: string;
};

declare global {
  interface Window {
    __vitals?: { lcp: number; cls: number; lcpElement: string };
  }
}

function observeVitals() {
  const vitals = { lcp: 0, cls: 0, lcpElement: "" };
  window.__vitals = vitals;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<PerformanceEntry & { element?: Element | null }>) {
      vitals.lcp = entry.startTime;
      const element = entry.element;
      vitals.lcpElement = element ? `${element.tagName.toLowerCase()} "${(element.textContent ?? "").trim().slice(0, 60)}"` : "";
    }
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<PerformanceEntry & { value: number; hadRecentInput: boolean }>) {
      if (!entry.hadRecentInput) vitals.cls += entry.value;
    }
  }).observe({ type: "layout-shift", buffered: true });
}

export async function measureColdLoad(
  browser: Browser,
  options: {
    url: string;
    storageState?: BrowserContextOptions["storageState"];
    /** Waits for the page to be complete (its last part rendered). */
    ready: (page: Page) => Promise<void>;
    /** Chromium's CPU slowdown (DevTools' "4x slowdown" is 4): a slower laptop than this machine. */
    cpuSlowdown?: number;
    /** Layout shifts after load count too (a chart arriving late): how long to keep watching. */
    settleMs?: number;
    /** Called with the loaded page before its context closes (screenshots). */
    after?: (page: Page) => Promise<void>;
  },
): Promise<Vitals> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: options.storageState });
  try {
    const page = await context.newPage();
    if (options.cpuSlowdown && options.cpuSlowdown > 1) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: options.cpuSlowdown });
    }
    await page.addInitScript(observeVitals);
    await page.goto(options.url);
    await options.ready(page);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(options.settleMs ?? 2_000);
    const vitals = await page.evaluate(() => ({
      ...window.__vitals!,
      ttfb: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).responseStart,
    }));
    await options.after?.(page);
    return vitals;
  } finally {
    await context.close();
  }
}
