/** How far a backfill job is, for the progress bar: the export counts for the first tenth, the import the rest. */
import { isBackfillKind, type BackfillKind } from "./queries";

export type JobSnapshot = {
  kind: string;
  status: string;
  linesProcessed: number;
  objectCount: number | null;
  error: string | null;
};
export type JobProgress = { kind: string; status: string; percent: number; label: string; failed: boolean };

const EXPORT_SHARE = 10;
const NOUN: Record<BackfillKind, string> = { customers: "customers", orders: "orders and line items" };

function noun(kind: string): string {
  return isBackfillKind(kind) ? NOUN[kind] : kind;
}

/** Percent (0-100, whole numbers) and a one-line description of one job. */
export function jobProgress(job: JobSnapshot): JobProgress {
  const base = { kind: job.kind, status: job.status, failed: false };
  switch (job.status) {
    case "pending":
      return { ...base, percent: 0, label: "Waiting to start" };
    case "running": {
      const soFar = job.objectCount ? ` (${job.objectCount.toLocaleString("en-US")} so far)` : "";
      return { ...base, percent: EXPORT_SHARE / 2, label: `Shopify is exporting ${noun(job.kind)}${soFar}` };
    }
    case "downloading": {
      const total = job.objectCount ?? 0;
      const share = total > 0 ? Math.min(1, job.linesProcessed / total) : 0;
      const percent = Math.min(99, Math.floor(EXPORT_SHARE + (100 - EXPORT_SHARE) * share));
      const counts = `${job.linesProcessed.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`;
      return { ...base, percent, label: `Importing ${noun(job.kind)}: ${counts}` };
    }
    case "done":
      return { ...base, percent: 100, label: `Imported ${job.linesProcessed.toLocaleString("en-US")} ${noun(job.kind)}` };
    case "failed":
      return { ...base, percent: 0, failed: true, label: `Failed: ${job.error ?? "unknown error"}` };
    default:
      return { ...base, percent: 0, label: job.status };
  }
}

/** The mean of the jobs' percentages: one bar for the whole import. */
export function overallPercent(jobs: JobSnapshot[]): number {
  if (jobs.length === 0) return 0;
  return Math.floor(jobs.reduce((sum, job) => sum + jobProgress(job).percent, 0) / jobs.length);
}
