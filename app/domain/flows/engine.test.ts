import { describe, expect, it } from "vitest";
import type { FlowDefinition } from "./definition";
import { advanceRun, checkBeforeSend, type AdvanceInput } from "./engine";
import type { FlowFacts } from "./facts";
import { parseRunState, type Action, type RunState } from "./run";
import { at, HOUR, makeEvent, makeFacts, makeProfile, newRun, NO_QUIET, plus } from "./testing.test-helper";

const FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "event", event: "Started Checkout" },
  filters: [{ kind: "profile", path: "properties.vip", op: "neq", value: true }],
  exits: [{ reason: "placed_order", when: { kind: "event_count", event: "Placed Order", since: "flow_start", atLeast: 1 } }],
  reentry: { mode: "after_exit" },
  start: "email_1",
  steps: [
    { id: "email_1", kind: "send_email", template: "one", subject: "One", next: "split" },
    { id: "split", kind: "ab_split", variants: [{ id: "a", weight: 1, next: "tag" }, { id: "b", weight: 1, next: "tag" }] },
    { id: "tag", kind: "tag_customer", add: ["in-flow"], remove: [], next: "email_2" },
    { id: "email_2", kind: "send_email", template: "two", subject: "Two", discount: { kind: "percentage", value: 10, expiresInDays: 3 }, next: "profile" },
    { id: "profile", kind: "update_profile", set: { stage: "done", score: 5 }, next: "hook" },
    { id: "hook", kind: "webhook", url: "https://hooks.example.com/flow", body: { source: "flow" }, next: "leave" },
    { id: "leave", kind: "exit", reason: "finished" },
  ],
};

const now = at("2025-01-15T10:00:00Z");
const trigger = makeEvent("Started Checkout", now, { checkoutToken: "t1" }, "checkout-1");

function advance(overrides: Partial<AdvanceInput> & { facts?: FlowFacts } = {}) {
  return advanceRun({ definition: FLOW, version: 1, run: newRun(FLOW, trigger, now), facts: makeFacts(), now, settings: NO_QUIET, ...overrides });
}
const kinds = (actions: Action[]) => actions.map((a) => (a.kind === "skip" || a.kind === "exit" ? `${a.kind}:${a.reason}` : a.kind));

describe("advanceRun", () => {
  it("runs instantaneous steps until smart sending makes it wait, then finishes", () => {
    const first = advance();
    expect(kinds(first.actions)).toEqual(["send_email", "tag_customer"]);
    expect(first.status).toBe("waiting");
    expect(first.state.stepId).toBe("email_2");
    expect(first.nextWakeAt).toEqual(plus(now, 16 * HOUR));
    const variant = first.state.variant;
    expect(["a", "b"]).toContain(variant);
    expect(first.actions.map((a) => a.idempotencyKey)).toEqual(["run-1:email_1:1:", `run-1:tag:1:${variant}`]);

    const wake = plus(now, 16 * HOUR);
    const second = advance({ run: first.state, now: wake, facts: makeFacts({ lastMarketingEmailAt: now, profile: makeProfile({ properties: { stage: "new" } }) }) });
    expect(kinds(second.actions)).toEqual(["send_email", "update_profile", "webhook", "exit:finished"]);
    expect(second.actions[0]).toMatchObject({ template: "two", discount: { value: 10 }, variant, version: 1 });
    expect(second.actions[1]).toMatchObject({ set: { stage: "done", score: 5 }, previous: { stage: "new", score: null }, suppress: null });
    expect(second.actions[2]).toMatchObject({ url: "https://hooks.example.com/flow", body: { source: "flow" } });
    expect(second).toMatchObject({ status: "exited", nextWakeAt: null, state: { status: "exited", exitReason: "finished" } });
  });

  it("checks exit conditions before anything else", () => {
    const order = makeEvent("Placed Order", plus(now, 1000));
    const result = advance({ facts: makeFacts({ events: [trigger, order] }), now: plus(now, HOUR) });
    expect(kinds(result.actions)).toEqual(["exit:placed_order"]);
    expect(result.actions[0]?.idempotencyKey).toBe("run-1:email_1:1:");
    expect(result.status).toBe("exited");
  });

  it.each([
    ["no_consent", makeProfile({ emailConsent: "unsubscribed" })],
    ["no_consent", makeProfile({ emailConsent: "pending" })],
    ["no_consent", makeProfile({ emailConsent: "unknown" })],
    ["suppressed", makeProfile({ suppressed: true })],
    ["no_email", makeProfile({ email: null })],
    ["flow_filters", makeProfile({ properties: { vip: true } })],
  ] as const)("skips sends with reason %s and keeps going", (reason, profile) => {
    const result = advance({ facts: makeFacts({ profile }) });
    expect(kinds(result.actions)).toEqual([`skip:${reason}`, "tag_customer", `skip:${reason}`, "update_profile", "webhook", "exit:finished"]);
    if (reason === "flow_filters") expect(result.actions[0]).toMatchObject({ detail: "filter 1 of 1" });
  });

  it("runs holdout profiles along the same path without sends", () => {
    const run: RunState = { ...newRun(FLOW, trigger, now), holdout: true };
    const result = advance({ run, facts: makeFacts({ lastMarketingEmailAt: plus(now, -HOUR) }) });
    expect(kinds(result.actions)).toEqual(["skip:holdout", "tag_customer", "skip:holdout", "update_profile", "webhook", "exit:finished"]);
    expect(result.state.variants.split).toBe(advance().state.variants.split);
    // Real reasons win over holdout, so holdout skips mean "would have been sent".
    const unsubscribed = advance({ run, facts: makeFacts({ profile: makeProfile({ emailConsent: "unsubscribed" }) }) });
    expect(kinds(unsubscribed.actions)[0]).toBe("skip:no_consent");
  });

  it("postpones sends in quiet hours (Europe/Berlin, across the spring DST change) and never drops them", () => {
    const settings = { ...NO_QUIET, timezone: "Europe/Berlin", quietHoursStartMin: 21 * 60, quietHoursEndMin: 8 * 60 };
    const saturdayNight = at("2025-03-29T21:30:00Z"); // 22:30 CET
    const run = newRun(FLOW, { ...trigger, occurredAt: saturdayNight }, saturdayNight);
    const waiting = advance({ run, now: saturdayNight, settings });
    expect(waiting.actions).toEqual([]);
    expect(waiting.nextWakeAt?.toISOString()).toBe("2025-03-30T06:00:00.000Z"); // 08:00 CEST
    expect(waiting.state).toEqual(run);
    const early = advance({ run, now: at("2025-03-30T05:59:00Z"), settings });
    expect(early.nextWakeAt?.toISOString()).toBe("2025-03-30T06:00:00.000Z");
    const sent = advance({ run, now: waiting.nextWakeAt!, settings });
    expect(kinds(sent.actions).slice(0, 1)).toEqual(["send_email"]);
  });

  it("honours a step's smart-sending override", () => {
    const definition: FlowDefinition = { ...FLOW, steps: FLOW.steps.map((s) => (s.kind === "send_email" ? { ...s, smartSendingHours: 0 } : s)) };
    const result = advance({ definition, run: newRun(definition, trigger, now), facts: makeFacts({ lastMarketingEmailAt: plus(now, -HOUR) }) });
    expect(kinds(result.actions).filter((k) => k === "send_email")).toHaveLength(2);
  });

  it("gives identical actions and keys when the same state is advanced again (a retried batch)", () => {
    const a = advance();
    const b = advance();
    expect(b).toEqual(a);
    const later = advance({ now: plus(now, 5 * 60_000) });
    expect(later.actions.map((x) => x.idempotencyKey)).toEqual(a.actions.map((x) => x.idempotencyKey));
    // A stored state survives JSON and gives the same result.
    const stored = parseRunState(JSON.parse(JSON.stringify(a.state)));
    if (!stored.ok) throw new Error(stored.error);
    const wake = { now: a.nextWakeAt!, facts: makeFacts({ lastMarketingEmailAt: now }) };
    expect(advance({ run: stored.value, ...wake })).toEqual(advance({ run: a.state, ...wake }));
  });

  it("keeps a run on its version and does nothing for finished runs", () => {
    const mismatch = advance({ version: 2 });
    expect(mismatch).toMatchObject({ status: "failed", state: { exitReason: "version_mismatch" } });
    const done = advance({ run: { ...newRun(FLOW, trigger, now), status: "completed", stepId: null } });
    expect(done).toMatchObject({ actions: [], status: "completed", nextWakeAt: null });
    const lost = advance({ run: { ...newRun(FLOW, trigger, now), stepId: "gone" } });
    expect(lost).toMatchObject({ status: "failed", state: { exitReason: "unknown_step" } });
  });

  it("rejects a malformed stored state as a value", () => {
    expect(parseRunState({ runId: "x" }).ok).toBe(false);
  });
});

describe("checkBeforeSend", () => {
  const first = advance();
  const send = first.actions.find((a): a is Extract<Action, { kind: "send_email" }> => a.kind === "send_email")!;
  const check = (facts: FlowFacts, run = first.state) => checkBeforeSend({ definition: FLOW, run, action: send, facts, now: plus(now, 60_000) });

  it("passes when nothing changed", () => {
    expect(check(makeFacts())).toEqual({ ok: true });
  });

  it("stops a send when an order placed before it arrives late, or the profile became unmailable", () => {
    const lateOrder = makeEvent("Placed Order", plus(now, 30_000));
    expect(check(makeFacts({ events: [lateOrder] }))).toEqual({ ok: false, reason: "exit:placed_order" });
    expect(check(makeFacts({ profile: makeProfile({ suppressed: true }) }))).toEqual({ ok: false, reason: "suppressed" });
    expect(check(makeFacts(), { ...first.state, version: 2 })).toEqual({ ok: false, reason: "run_mismatch" });
  });
});
