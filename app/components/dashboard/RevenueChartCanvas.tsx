// The chart itself, loaded only in the browser (polaris-viz measures the DOM and reads `navigator`, so it cannot
// render on the server); RevenueChart.tsx holds its place until then.
import "@shopify/polaris-viz/build/esm/styles.css";
import { PolarisVizProvider, StackedAreaChart } from "@shopify/polaris-viz";
import type { ChartSeries } from "../../domain/dashboard/series";

const DAY_LABEL = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });

export default function RevenueChartCanvas({ series, currency }: { series: ChartSeries[]; currency: string }) {
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 });
  const day = (value: string | number | null) => (typeof value === "string" ? DAY_LABEL.format(new Date(`${value}T00:00:00Z`)) : String(value ?? ""));
  return (
    <PolarisVizProvider>
      <StackedAreaChart
        data={series}
        theme="Light"
        isAnimated={false}
        xAxisOptions={{ labelFormatter: day }}
        yAxisOptions={{ labelFormatter: (v) => money.format(Number(v ?? 0)) }}
        tooltipOptions={{ titleFormatter: day, valueFormatter: (v) => money.format(Number(v ?? 0)) }}
      />
    </PolarisVizProvider>
  );
}
