import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { Card, Layout, Page, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { requireShop } from "../admin.server";
import { BackfillProgress } from "../components/BackfillProgress";
import db from "../db.server";
import { listBackfillJobs } from "../models/backfill.server";

export const meta: MetaFunction = () => [{ title: "History import" }];

const REFRESH_MS = 5_000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const jobs = await listBackfillJobs(db, shop.id);
  return {
    jobs: jobs.map((job) => ({
      kind: job.kind,
      status: job.status,
      percent: job.percent,
      label: job.label,
      failed: job.failed,
      startedAt: job.startedAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
    })),
    active: jobs.some((job) => ["pending", "running", "downloading"].includes(job.status)),
  };
};

export default function Backfill() {
  const { jobs, active } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  // While an import runs, reload its progress every few seconds.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, revalidator]);

  return (
    <Page title="History import">
      <Layout>
        <Layout.Section>
          {jobs.length > 0 ? (
            <BackfillProgress jobs={jobs} />
          ) : (
            <Card>
              <Text as="p">No import has run for this shop yet. It starts when the app is installed.</Text>
            </Card>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}
