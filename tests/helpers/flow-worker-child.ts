// A flow worker in a process of its own, for tests/flows/crash.test.ts: the parent forks it (bundled by esbuild),
// drives it over IPC at virtual instants, and may SIGKILL it at any point. It advances due runs and delivers
// queued emails through the real Resend mailer to the parent's fake Resend. It reports each committed batch of
// steps and each provider answer (before recording it), and waits for the parent's ack: so the parent can kill it
// exactly there — e.g. between "the provider accepted" and "we wrote it down", the case a retry must not turn into
// a second email — or ack and kill at once, somewhere in what comes next. Either way it never runs far ahead.
import { z } from "zod";
import { createPrismaClient } from "../../app/db/client.server";
import { deliverQueued, type DeliverySummary } from "../../app/models/messages.server";
import { createResendMailer } from "../../app/services/mailer/resend.server";
import { createSendRateLimiter } from "../../app/services/mailer/rate-limiter.server";
import type { Mailer } from "../../app/services/mailer/types";
import { emailDelivery } from "../../app/worker/email-delivery.server";
import { advanceDueRuns, type AdvanceSummary } from "../../app/worker/flow-worker.server";

/** What the parent passes in FLOW_CHILD_CONFIG (JSON). */
export const childConfigSchema = z.object({
  databaseUrl: z.string().min(1),
  owner: z.string().min(1),
  leaseMs: z.number().int().positive(),
  batch: z.number().int().positive(),
  resendUrl: z.string().url(),
  resendKey: z.string().min(1),
  secret: z.string().min(16),
  appUrl: z.string().url(),
  from: z.string().min(1),
});
export type ChildConfig = z.infer<typeof childConfigSchema>;

/** Parent -> child. drain: advance and deliver until idle at `now`; pass: one batch of each; ack: go on after a report. */
export type ToChild = { kind: "drain"; now: string } | { kind: "pass"; now: string } | { kind: "ack"; id: number } | { kind: "exit" };

/** Child -> parent. `advanced` and `sent` wait for an ack: a parent that wants this child dead may kill it instead. */
export type FromChild =
  | { kind: "ready" }
  | { kind: "advanced"; id: number; summary: AdvanceSummary }
  | { kind: "sent"; id: number; emails: number }
  | { kind: "drained"; advanced: AdvanceSummary; delivered: DeliverySummary }
  | { kind: "passed"; advanced: AdvanceSummary; delivered: DeliverySummary }
  | { kind: "error"; message: string };

const toChildSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("drain"), now: z.iso.datetime() }),
  z.object({ kind: z.literal("pass"), now: z.iso.datetime() }),
  z.object({ kind: z.literal("ack"), id: z.number().int() }),
  z.object({ kind: z.literal("exit") }),
]);

const tell = (message: FromChild) => process.send!(message);

async function main() {
  if (!process.send) throw new Error("flow-worker-child: start it with child_process.fork (it needs the IPC channel)");
  const config = childConfigSchema.parse(JSON.parse(process.env.FLOW_CHILD_CONFIG ?? "null"));
  const db = createPrismaClient(config.databaseUrl);
  await db.flowRun.count(); // connected, query compiler loaded: "ready" means ready to work
  const delivery = emailDelivery(db, {
    secret: config.secret,
    appUrl: config.appUrl,
    discounts: async (request) => ({ ok: true, code: request.code, endsAt: request.endsAt }),
  });
  const resend = createResendMailer({
    apiKey: config.resendKey,
    baseUrl: config.resendUrl,
    rateLimiter: createSendRateLimiter({ requestsPerSecond: 100_000 }),
    maxAttempts: 1,
  });

  const acks = new Map<number, () => void>();
  let nextAck = 0;
  const report = (message: { kind: "advanced"; summary: AdvanceSummary } | { kind: "sent"; emails: number }) =>
    new Promise<void>((resolve) => {
      const id = nextAck++;
      acks.set(id, resolve);
      tell({ ...message, id });
    });
  const mailer: Mailer = {
    name: resend.name,
    maxBatchSize: resend.maxBatchSize,
    async send(batch) {
      const results = await resend.send(batch);
      await report({ kind: "sent", emails: batch.length });
      return results;
    },
  };

  const advance = (now: Date) => advanceDueRuns(db, { owner: config.owner, now, limit: config.batch, leaseMs: config.leaseMs });
  const deliver = (now: Date) =>
    deliverQueued(db, mailer, { now, limit: config.batch, leaseMs: config.leaseMs, defaultFrom: config.from, ...delivery });

  async function pass(now: Date) {
    const advanced = await advance(now);
    await report({ kind: "advanced", summary: advanced });
    const delivered = await deliver(now);
    return { advanced, delivered };
  }

  async function drain(now: Date) {
    const advanced: AdvanceSummary = { claimed: 0, advanced: 0, fenced: 0, failed: 0, queued: 0, skipped: 0 };
    const delivered: DeliverySummary = { sent: 0, failed: 0, retried: 0, suppressed: 0, lost: 0 };
    for (;;) {
      const once = await pass(now);
      for (const key of Object.keys(advanced) as Array<keyof AdvanceSummary>) advanced[key] += once.advanced[key];
      for (const key of Object.keys(delivered) as Array<keyof DeliverySummary>) delivered[key] += once.delivered[key];
      const d = once.delivered;
      if (once.advanced.claimed === 0 && d.sent + d.failed + d.retried + d.lost === 0) return { advanced, delivered };
    }
  }

  // Commands run one at a time, in order; acks are taken at once (the command in progress waits for them).
  let queue = Promise.resolve();
  process.on("message", (raw) => {
    const parsed = toChildSchema.safeParse(raw);
    if (!parsed.success) return tell({ kind: "error", message: `bad command: ${parsed.error.message}` });
    const command = parsed.data;
    if (command.kind === "ack") {
      acks.get(command.id)?.();
      acks.delete(command.id);
      return;
    }
    queue = queue.then(async () => {
      try {
        if (command.kind === "exit") {
          await db.$disconnect();
          process.disconnect();
          return;
        }
        const now = new Date(command.now);
        if (command.kind === "drain") tell({ kind: "drained", ...(await drain(now)) });
        else tell({ kind: "passed", ...(await pass(now)) });
      } catch (error) {
        // Prisma's known errors carry their code and meta apart from the message: both say what went wrong.
        const known = error as { code?: unknown; meta?: unknown };
        const detail = known.code ? ` [${String(known.code)} ${JSON.stringify(known.meta ?? {})}]` : "";
        tell({ kind: "error", message: `${error instanceof Error ? (error.stack ?? error.message) : String(error)}${detail}` });
      }
    });
  });
  // An orphan stops: a worker without its parent has nobody to report to.
  process.on("disconnect", () => process.exit(0));
  tell({ kind: "ready" });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
