import { lazy, Suspense, useEffect, useState } from "react";
import { Box, SkeletonBodyText } from "@shopify/polaris";
import type { ChartSeries } from "../../domain/dashboard/series";

/** The chart's fixed height: the placeholder and the chart take exactly this, so nothing below it moves. */
export const CHART_HEIGHT = 300;

const Canvas = lazy(() => import("./RevenueChartCanvas"));

function Placeholder() {
  return (
    <Box paddingBlockStart="400" aria-busy="true">
      <SkeletonBodyText lines={6} />
    </Box>
  );
}

/** Attributed revenue over time, stacked by flow: a placeholder on the server, the chart once in the browser. */
export function RevenueChart({ series, currency }: { series: ChartSeries[]; currency: string }) {
  const [inBrowser, setInBrowser] = useState(false);
  useEffect(() => setInBrowser(true), []);
  return (
    <div style={{ height: CHART_HEIGHT }} data-testid="revenue-chart">
      {inBrowser ? (
        <Suspense fallback={<Placeholder />}>
          <Canvas series={series} currency={currency} />
        </Suspense>
      ) : (
        <Placeholder />
      )}
    </div>
  );
}
