import { BlockStack, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";

/** One job as the loader hands it over (see listBackfillJobs). */
export type BackfillJobRow = { kind: string; status: string; percent: number; label: string; failed: boolean };

const TITLES: Record<string, string> = { customers: "Customers", orders: "Orders (last 12 months)" };

function tone(job: BackfillJobRow) {
  if (job.failed) return "critical" as const;
  return job.status === "done" ? ("success" as const) : ("highlight" as const);
}

/** The history import, one bar per job; nothing at all when the shop has no import. */
export function BackfillProgress({ jobs }: { jobs: BackfillJobRow[] }) {
  if (jobs.length === 0) return null;
  const finished = jobs.every((job) => job.status === "done");
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {finished ? "Your Shopify history is imported" : "Importing your Shopify history"}
          </Text>
          <Text as="p" tone="subdued">
            Past customers and orders fill profiles and revenue, so flows and reports start from real numbers.
          </Text>
        </BlockStack>
        {jobs.map((job) => (
          <BlockStack gap="100" key={job.kind}>
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h3" variant="headingSm" id={`backfill-${job.kind}`}>
                {TITLES[job.kind] ?? job.kind}
              </Text>
              <Text as="span" numeric tone="subdued">
                {job.failed ? "—" : `${job.percent} %`}
              </Text>
            </InlineStack>
            <ProgressBar progress={job.failed ? 100 : job.percent} tone={tone(job)} size="small" ariaLabelledBy={`backfill-${job.kind}`} />
            <Text as="p" tone={job.failed ? "critical" : "subdued"}>
              {job.label}
            </Text>
          </BlockStack>
        ))}
      </BlockStack>
    </Card>
  );
}
