/** The flow engine: a pure state machine from (run state, facts, now) to actions and the next wake time. */
import { chooseVariant } from "./ab";
import { evaluateCondition, firstFailing, type ConditionContext } from "./conditions";
import { findStep, type FlowDefinition, type Step } from "./definition";
import type { FlowFacts } from "./facts";
import { actionBase, triggerEvent, type Action, type FlowSettings, type RunState, type RunStatus, type SkipReason } from "./run";
import { delayOutcome, earliestSendTime } from "./schedule";

export type AdvanceInput = {
  definition: FlowDefinition;
  /** The version of `definition`; must be the run's own. */
  version: number;
  run: RunState;
  facts: FlowFacts;
  now: Date;
  settings: FlowSettings;
};

export type AdvanceResult = { actions: Action[]; state: RunState; nextWakeAt: Date | null; status: RunStatus };

/** The condition context of a run: counts "since flow start" from its trigger. */
export function runContext(run: RunState, facts: FlowFacts, now: Date): ConditionContext {
  return { facts, now, since: new Date(run.startedAt), trigger: triggerEvent(run) };
}

/** The first exit rule that holds, if any. */
export function exitReason(definition: FlowDefinition, ctx: ConditionContext): string | null {
  return definition.exits.find((exit) => evaluateCondition(exit.when, ctx))?.reason ?? null;
}

/** Why this profile may not be emailed now (flow filters, address, consent, suppression), or null. */
export function sendBlocker(
  definition: FlowDefinition,
  ctx: ConditionContext,
): { reason: SkipReason; detail: string | null } | null {
  const failing = firstFailing(definition.filters, ctx);
  if (failing !== -1) return { reason: "flow_filters", detail: `filter ${failing + 1} of ${definition.filters.length}` };
  const { profile } = ctx.facts;
  if (!profile.email) return { reason: "no_email", detail: null };
  if (profile.emailConsent !== "subscribed") return { reason: "no_consent", detail: profile.emailConsent };
  if (profile.suppressed) return { reason: "suppressed", detail: null };
  return null;
}

/** Moves a run through its steps until it must wait or ends; exit conditions are checked first. */
export function advanceRun(input: AdvanceInput): AdvanceResult {
  const { definition, facts, now, settings } = input;
  let run = input.run;
  const actions: Action[] = [];
  if (run.status !== "waiting") return { actions, state: run, nextWakeAt: null, status: run.status };

  const end = (status: "exited" | "failed", reason: string, stepId: string): AdvanceResult => {
    actions.push({ ...actionBase(run, stepId), kind: "exit", reason });
    return { actions, state: { ...run, status, exitReason: reason }, nextWakeAt: null, status };
  };
  const here = run.stepId ?? "end";
  if (run.version !== input.version) return end("failed", "version_mismatch", here);

  const ctx = runContext(run, facts, now);
  const exit = exitReason(definition, ctx);
  if (exit) return end("exited", exit, here);

  let lastEmailAt = facts.lastMarketingEmailAt;
  const moveTo = (next: string | null, enteredAt: Date = now) => {
    run = { ...run, stepId: next, stepEnteredAt: enteredAt.toISOString() };
  };
  const emit = (step: Step, action: ActionFields<Action>) => {
    actions.push({ ...actionBase(run, step.id), ...action });
  };

  // The graph is acyclic (checked at parse), so a run visits each step at most once.
  for (let guard = 0; guard <= definition.steps.length; guard++) {
    if (run.stepId === null) {
      return { actions, state: { ...run, status: "completed" }, nextWakeAt: null, status: "completed" };
    }
    const step = findStep(definition, run.stepId);
    if (!step) return end("failed", "unknown_step", run.stepId);

    switch (step.kind) {
      case "delay": {
        const stepEnteredAt = new Date(run.stepEnteredAt);
        const outcome = delayOutcome(step.wait, { now, stepEnteredAt, timezone: settings.timezone, conditions: ctx });
        if (outcome.at.getTime() > now.getTime()) return wait(outcome.at);
        if (outcome.then === "exit") return end("exited", outcome.reason, step.id);
        // The next step starts when the wait ended, so chained waits add up even if the worker woke late.
        moveTo(step.next, new Date(Math.max(outcome.at.getTime(), stepEnteredAt.getTime())));
        break;
      }
      case "condition":
        moveTo(evaluateCondition(step.condition, ctx) ? step.yes : step.no);
        break;
      case "ab_split": {
        const chosen =
          run.variants[step.id] ?? chooseVariant(step.variants, { flowId: run.flowId, stepId: step.id, profileId: run.profileId });
        run = { ...run, variants: { ...run.variants, [step.id]: chosen }, variant: chosen };
        moveTo(step.variants.find((v) => v.id === chosen)?.next ?? null);
        break;
      }
      case "send_email": {
        const blocked = sendBlocker(definition, ctx);
        if (blocked) {
          emit(step, { kind: "skip", ...blocked });
        } else if (run.holdout) {
          emit(step, { kind: "skip", reason: "holdout", detail: null });
        } else {
          const at = earliestSendTime({
            now,
            lastMarketingEmailAt: lastEmailAt,
            smartSendingHours: step.smartSendingHours ?? settings.smartSendingHours,
            quietHours: { startMin: settings.quietHoursStartMin, endMin: settings.quietHoursEndMin },
            timezone: settings.timezone,
          });
          if (at.getTime() > now.getTime()) return wait(at);
          emit(step, { kind: "send_email", template: step.template, subject: step.subject, discount: step.discount ?? null });
          lastEmailAt = now;
        }
        moveTo(step.next);
        break;
      }
      case "update_profile": {
        const previous = Object.fromEntries(Object.keys(step.set).map((key) => [key, facts.profile.properties[key] ?? null]));
        emit(step, { kind: "update_profile", set: step.set, previous, suppress: step.suppress ?? null });
        moveTo(step.next);
        break;
      }
      case "tag_customer":
        emit(step, { kind: "tag_customer", add: step.add, remove: step.remove });
        moveTo(step.next);
        break;
      case "webhook":
        emit(step, { kind: "webhook", url: step.url, body: step.body ?? null });
        moveTo(step.next);
        break;
      case "exit":
        return end("exited", step.reason, step.id);
      default:
        return assertUnreachable(step);
    }
  }
  return end("failed", "step_limit", run.stepId ?? "end");

  function wait(at: Date): AdvanceResult {
    return { actions, state: { ...run, status: "waiting" }, nextWakeAt: at, status: "waiting" };
  }
}

/** An action without the fields actionBase fills in, kept a union. */
type ActionFields<T> = T extends unknown ? Omit<T, keyof ReturnType<typeof actionBase>> : never;

function assertUnreachable(value: never): never {
  throw new Error(`unhandled step kind: ${JSON.stringify(value)}`);
}

/**
 * The worker's last look before handing a send to the mailer, with facts re-read at that moment: the run
 * must not have met an exit condition (a late order) and the profile must still be emailable.
 */
export function checkBeforeSend(input: {
  definition: FlowDefinition;
  run: RunState;
  action: Extract<Action, { kind: "send_email" }>;
  facts: FlowFacts;
  now: Date;
}): { ok: true } | { ok: false; reason: string } {
  const { definition, run, action, facts, now } = input;
  if (action.runId !== run.runId || action.version !== run.version) return { ok: false, reason: "run_mismatch" };
  const ctx = runContext(run, facts, now);
  const exit = exitReason(definition, ctx);
  if (exit) return { ok: false, reason: `exit:${exit}` };
  if (run.holdout) return { ok: false, reason: "holdout" };
  const blocked = sendBlocker(definition, ctx);
  return blocked ? { ok: false, reason: blocked.reason } : { ok: true };
}
