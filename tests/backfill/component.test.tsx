import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BackfillProgress, type BackfillJobRow } from "../../app/components/BackfillProgress";

function render(jobs: BackfillJobRow[]) {
  return renderToString(
    <AppProvider i18n={en}>
      <BackfillProgress jobs={jobs} />
    </AppProvider>,
  );
}

describe("BackfillProgress", () => {
  it("draws one labelled progress bar per job", () => {
    const html = render([
      { kind: "customers", status: "done", percent: 100, label: "Imported 120 customers", failed: false },
      { kind: "orders", status: "downloading", percent: 32, label: "Importing orders and line items: 50 of 200", failed: false },
    ]);
    expect(html).toContain("Importing your Shopify history");
    expect(html.match(/role="progressbar"|<progress/g)).toHaveLength(2);
    expect(html).toContain("Orders (last 12 months)");
    expect(html).toContain("Importing orders and line items: 50 of 200");
    expect(html).toContain("32 %");
  });

  it("says when everything is in, and renders nothing without jobs", () => {
    expect(render([{ kind: "customers", status: "done", percent: 100, label: "Imported 3 customers", failed: false }])).toContain(
      "Your Shopify history is imported",
    );
    expect(render([])).not.toContain("history");
  });
});
