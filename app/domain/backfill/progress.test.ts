import { describe, expect, it } from "vitest";
import { jobProgress, overallPercent, type JobSnapshot } from "./progress";

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({ kind: "orders", status: "pending", linesProcessed: 0, objectCount: null, error: null, ...over });

describe("jobProgress", () => {
  it("moves from 0 through the export (5) and the import (10-99) to 100", () => {
    expect(jobProgress(job({})).percent).toBe(0);
    expect(jobProgress(job({ status: "running", objectCount: 1200 }))).toMatchObject({ percent: 5, label: "Shopify is exporting orders and line items (1,200 so far)" });
    expect(jobProgress(job({ status: "downloading", objectCount: 200, linesProcessed: 0 })).percent).toBe(10);
    expect(jobProgress(job({ status: "downloading", objectCount: 200, linesProcessed: 100 }))).toMatchObject({ percent: 55, label: "Importing orders and line items: 100 of 200" });
    expect(jobProgress(job({ status: "downloading", objectCount: 200, linesProcessed: 200 })).percent).toBe(99);
    expect(jobProgress(job({ status: "done", kind: "customers", linesProcessed: 3 }))).toMatchObject({ percent: 100, label: "Imported 3 customers" });
  });

  it("reports a failure with its reason, and survives an unknown count", () => {
    expect(jobProgress(job({ status: "failed", error: "Shopify's export failed: ACCESS_DENIED" }))).toMatchObject({
      failed: true,
      label: "Failed: Shopify's export failed: ACCESS_DENIED",
    });
    expect(jobProgress(job({ status: "downloading", objectCount: null, linesProcessed: 5 })).percent).toBe(10);
  });

  it("averages the jobs into one bar", () => {
    expect(overallPercent([])).toBe(0);
    expect(overallPercent([job({ status: "done" }), job({ status: "running" })])).toBe(52);
  });
});
