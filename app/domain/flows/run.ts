/** A run's persisted state, the shop settings the engine obeys, and the actions it asks the worker to perform. */
import { z } from "zod";
import type { JsonObject, JsonValue } from "../events/types";
import { jsonObjectSchema } from "./definition";
import type { FlowEvent } from "./facts";

export const RUN_STATUSES = ["waiting", "completed", "exited", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const instant = z.iso.datetime();

/** JSON-safe (ISO strings), so FlowRun.state stores it as is; parse it back with parseRunState. */
export const runStateSchema = z.object({
  runId: z.string().min(1),
  flowId: z.string().min(1),
  profileId: z.string().min(1),
  /** The FlowVersion.version the run started on; it finishes on it. */
  version: z.number().int().min(1),
  status: z.enum(RUN_STATUSES),
  /** The step the run is at (waiting on, or about to execute); null once finished. */
  stepId: z.string().nullable(),
  stepEnteredAt: instant,
  /** The trigger event's occurredAt: "since flow start" counts from here. */
  startedAt: instant,
  /** When the run was created. */
  enteredAt: instant,
  trigger: z.object({ id: z.string(), name: z.string(), occurredAt: instant, properties: jsonObjectSchema }),
  holdout: z.boolean(),
  /** A/B step id -> chosen variant id. */
  variants: z.record(z.string(), z.string()),
  /** The latest variant on the path ("" before any A/B split); part of every idempotency key. */
  variant: z.string(),
  exitReason: z.string().nullable(),
});
export type RunState = z.infer<typeof runStateSchema>;

/** Reads a stored run state; never throws. */
export function parseRunState(json: unknown): { ok: true; value: RunState } | { ok: false; error: string } {
  const parsed = runStateSchema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: z.prettifyError(parsed.error) };
}

/** The run's trigger as a FlowEvent (dates restored). */
export function triggerEvent(run: RunState): FlowEvent {
  return { ...run.trigger, occurredAt: new Date(run.trigger.occurredAt) };
}

/** Shop settings the engine obeys (ShopSettings columns). */
export type FlowSettings = {
  timezone: string;
  smartSendingHours: number;
  quietHoursStartMin: number;
  quietHoursEndMin: number;
  holdoutPercent: number;
};

export const DEFAULT_FLOW_SETTINGS: FlowSettings = {
  timezone: "UTC",
  smartSendingHours: 16,
  quietHoursStartMin: 21 * 60,
  quietHoursEndMin: 8 * 60,
  holdoutPercent: 0,
};

export const SKIP_REASONS = ["holdout", "no_email", "no_consent", "suppressed", "flow_filters"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

type ActionBase = {
  /** run:step:version:variant. At most one action per step per run, and runs never revisit a step. */
  idempotencyKey: string;
  runId: string;
  flowId: string;
  profileId: string;
  stepId: string;
  version: number;
  variant: string;
};

export type Discount = { kind: "percentage" | "fixed_amount"; value: number; expiresInDays: number };

export type Action =
  | (ActionBase & { kind: "send_email"; template: string; subject: string; discount: Discount | null })
  | (ActionBase & { kind: "skip"; reason: SkipReason; detail: string | null })
  | (ActionBase & {
      kind: "update_profile";
      set: JsonObject;
      /** The values `set` replaces (null when absent), so the change can be undone. */
      previous: Record<string, JsonValue>;
      suppress: { reason: string } | null;
    })
  | (ActionBase & { kind: "tag_customer"; add: string[]; remove: string[] })
  | (ActionBase & { kind: "webhook"; url: string; body: JsonObject | null })
  | (ActionBase & { kind: "exit"; reason: string });

export type ActionKind = Action["kind"];

/** The idempotency key of whatever a run does at a step. */
export function idempotencyKey(run: Pick<RunState, "runId" | "version" | "variant">, stepId: string): string {
  return `${run.runId}:${stepId}:${run.version}:${run.variant}`;
}

/** The fields every action of this run at this step carries. */
export function actionBase(run: RunState, stepId: string): ActionBase {
  return {
    idempotencyKey: idempotencyKey(run, stepId),
    runId: run.runId,
    flowId: run.flowId,
    profileId: run.profileId,
    stepId,
    version: run.version,
    variant: run.variant,
  };
}
