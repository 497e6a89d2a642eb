import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING, parseScoringConfig, storedScoringConfig, type ScoringConfig } from "./rules";
import { applyEvent, applyProfile, decayFactor, displayScore, EMPTY_SCORE, mergeStates, scoreAt, type ScoredEvent, type ScoreState } from "./score";

const T0 = new Date("2026-03-01T10:00:00Z");
const DAY = 86_400_000;
const plus = (days: number) => new Date(T0.getTime() + days * DAY);
let n = 0;
const event = (name: string, at: Date, properties: ScoredEvent["properties"] = {}): ScoredEvent => ({ id: `e${++n}`, name, occurredAt: at, properties });

const config = (changes: Partial<ScoringConfig> = {}): ScoringConfig => ({ ...DEFAULT_SCORING, ...changes });

/** Applies events in order, each as of its own time. */
function replay(events: ScoredEvent[], c = config(), state: ScoreState = EMPTY_SCORE) {
  return events.reduce((s, e) => applyEvent(s, e, c, e.occurredAt).state, state);
}

describe("decay", () => {
  it("halves every half-life, exactly", () => {
    expect(decayFactor(0, 14)).toBe(1);
    expect(decayFactor(14 * DAY, 14)).toBe(0.5);
    expect(decayFactor(28 * DAY, 14)).toBe(0.25);
    expect(decayFactor(7 * DAY, 14)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(decayFactor(-DAY, 14)).toBe(1);
  });

  it("a score of 20 is 10 one half-life later and 5 after two", () => {
    const state = replay([event("Started Checkout", T0), event("Started Checkout", T0), event("Started Checkout", T0), event("Started Checkout", T0)]);
    expect(scoreAt(state, T0, config())).toBe(20);
    expect(scoreAt(state, plus(14), config())).toBe(10);
    expect(scoreAt(state, plus(28), config())).toBe(5);
    // Asking about an earlier instant does not grow the score back.
    expect(scoreAt(state, plus(-5), config())).toBe(20);
  });

  it("adds a late event decayed by its age, so arrival order does not change the score", () => {
    const a = event("Started Checkout", T0);
    const b = event("Added to Cart", plus(3));
    const c = event("Viewed Product", plus(10));
    const inOrder = replay([a, b, c]);
    const now = plus(10);
    const shuffled = [c, a, b].reduce((s, e) => applyEvent(s, e, config(), now).state, EMPTY_SCORE);
    const expected = 5 * 2 ** (-10 / 14) + 3 * 2 ** (-7 / 14) + 1;
    expect(scoreAt(inOrder, now, config())).toBeCloseTo(expected, 12);
    expect(scoreAt(shuffled, now, config())).toBeCloseTo(expected, 12);
  });

  it("counts an event dated after `now` as happening now, and a `now` before the state's time as that time", () => {
    const s1 = applyEvent(EMPTY_SCORE, event("Started Checkout", plus(2)), config(), T0);
    expect(s1.state.asOf).toEqual(T0);
    expect(s1.after).toBe(5);
    const s2 = applyEvent(s1.state, event("Started Checkout", T0), config(), plus(-1));
    expect(s2.at).toEqual(T0);
    expect(s2.after).toBe(10);
  });
});

describe("rules", () => {
  it("scores the default events and ignores others", () => {
    const update = applyEvent(EMPTY_SCORE, event("Added to Cart", T0), config(), T0);
    expect(update).toMatchObject({ before: 0, after: 3, effects: [{ ruleId: "added_to_cart", points: 3, added: 3, capped: false }], crossed: false });
    const none = applyEvent(update.state, event("Placed Order", T0), config(), T0);
    expect(none).toMatchObject({ before: 3, after: 3, effects: [] });
  });

  it("applies filters with the flows' vocabulary: machine opens score nothing", () => {
    const human = applyEvent(EMPTY_SCORE, event("Opened Email", T0, { machine: false }), config(), T0);
    expect(human.after).toBe(1);
    const machine = applyEvent(EMPTY_SCORE, event("Opened Email", T0, { machine: true }), config(), T0);
    expect(machine).toMatchObject({ after: 0, effects: [] });
    const big = config({ eventRules: [{ id: "big_cart", event: "Added to Cart", where: [{ path: "price", op: "gte", value: 100 }], points: 7 }] });
    expect(applyEvent(EMPTY_SCORE, event("Added to Cart", T0, { price: "120.00" }), big, T0).after).toBe(7);
    expect(applyEvent(EMPTY_SCORE, event("Added to Cart", T0, { price: "99.99" }), big, T0).after).toBe(0);
  });

  it("holds each rule to its cap, and lets decayed room fill again", () => {
    const views = Array.from({ length: 15 }, () => event("Viewed Product", T0));
    const state = replay(views);
    expect(scoreAt(state, T0, config())).toBe(10);
    const capped = applyEvent(state, event("Viewed Product", T0), config(), T0);
    expect(capped.effects).toEqual([{ ruleId: "viewed_product", points: 1, added: 0, capped: true }]);
    // Two weeks later the rule's part is 5: room for 5 more.
    const later = replay(Array.from({ length: 8 }, () => event("Viewed Product", plus(14))), config(), state);
    expect(scoreAt(later, plus(14), config())).toBe(10);
  });

  it("keeps the total within 0 and the maximum score", () => {
    const c = config({ maxScore: 12, threshold: 10, eventRules: [{ id: "checkout", event: "Started Checkout", points: 5 }, { id: "unsub", event: "Unsubscribed from Email", points: -50 }] });
    const high = replay([1, 2, 3].map(() => event("Started Checkout", T0)), c);
    expect(scoreAt(high, T0, c)).toBe(12);
    const low = applyEvent(high, event("Unsubscribed from Email", T0), c, T0);
    expect(low.after).toBe(0);
  });

  it("scores nothing while scoring is off", () => {
    expect(applyEvent(EMPTY_SCORE, event("Started Checkout", T0), config({ enabled: false }), T0)).toMatchObject({ after: 0, effects: [] });
  });
});

describe("threshold", () => {
  it("crosses once on the way up, not again while above, and again after decaying below", () => {
    const c = config();
    let state = EMPTY_SCORE;
    const crossings: string[] = [];
    const step = (e: ScoredEvent, now = e.occurredAt) => {
      const u = applyEvent(state, e, c, now);
      state = u.state;
      if (u.crossed) crossings.push(e.id);
      return u;
    };
    for (let i = 0; i < 3; i++) step(event("Started Checkout", T0)); // 15
    const crossing = step(event("Started Checkout", T0)); // 20
    expect(crossing).toMatchObject({ before: 15, after: 20, crossed: true });
    expect(step(event("Started Checkout", T0)).crossed).toBe(false); // 25, still above
    // 25 halves to 12.5 after 14 days: below, so the next push over 20 is a new crossing.
    step(event("Started Checkout", plus(14))); // 17.5
    const again = step(event("Started Checkout", plus(14))); // 22.5
    expect(again).toMatchObject({ before: 17.5, after: 22.5, crossed: true });
    expect(crossings).toHaveLength(2);
  });

  it("property rules hold points while they match and can cross the threshold", () => {
    const c = config({ threshold: 10, propertyRules: [{ id: "repeat_buyer", filter: { path: "ordersCount", op: "gte", value: 3 }, points: 8 }] });
    const state = replay([event("Added to Cart", T0)], c);
    const match = applyProfile(state, { ordersCount: 3 }, c, plus(1));
    expect(match.effects).toEqual([{ ruleId: "repeat_buyer", points: 8, added: 8, capped: false }]);
    expect(match.after).toBeCloseTo(8 + 3 * 2 ** (-1 / 14), 12);
    expect(match.crossed).toBe(true);
    // The same profile again changes nothing; no longer matching takes the points back.
    expect(applyProfile(match.state, { ordersCount: 4 }, c, plus(1)).effects).toEqual([]);
    expect(applyProfile(match.state, { ordersCount: 1 }, c, plus(1))).toMatchObject({ effects: [{ ruleId: "repeat_buyer", points: -8, added: -8, capped: false }] });
    // Removing the rule takes its points away at once, without waiting for the profile to change.
    expect(scoreAt(match.state, plus(1), config({ threshold: 10 }))).toBeCloseTo(3 * 2 ** (-1 / 14), 12);
  });
});

describe("merge", () => {
  it("adds two people's decaying parts at the later time, within each rule's cap", () => {
    const a = replay([event("Started Checkout", T0), ...Array.from({ length: 8 }, () => event("Viewed Product", T0))]);
    const b = replay([event("Started Checkout", plus(14)), ...Array.from({ length: 8 }, () => event("Viewed Product", plus(14)))]);
    const merged = mergeStates([a, b, EMPTY_SCORE], config());
    expect(merged.asOf).toEqual(plus(14));
    expect(merged.events).toEqual({ started_checkout: 7.5, viewed_product: 10 });
    expect(mergeStates([EMPTY_SCORE], config())).toEqual(EMPTY_SCORE);
  });
});

describe("configuration", () => {
  it("accepts the defaults and refuses bad rules with a path", () => {
    expect(parseScoringConfig(JSON.stringify(DEFAULT_SCORING))).toEqual({ ok: true, value: DEFAULT_SCORING });
    const bad = (change: object) => parseScoringConfig({ ...DEFAULT_SCORING, ...change });
    expect(bad({ threshold: 0 })).toMatchObject({ ok: false, path: "threshold" });
    expect(bad({ threshold: 200 })).toMatchObject({ ok: false, path: "threshold" });
    expect(bad({ eventRules: [{ id: "x", event: "Became Sales-Ready", points: 1 }] })).toMatchObject({ ok: false, path: "eventRules.0.event" });
    expect(bad({ eventRules: [{ id: "x", event: "Fell Asleep", points: 1 }] })).toMatchObject({ ok: false, path: "eventRules.0.event" });
    expect(bad({ eventRules: [{ id: "x", event: "Added to Cart", points: 0 }] })).toMatchObject({ ok: false, path: "eventRules.0.points" });
    expect(bad({ eventRules: [{ id: "x", event: "Added to Cart", points: 1.5 }] })).toMatchObject({ ok: false });
    expect(bad({ eventRules: [{ id: "x", event: "Added to Cart", points: 1, where: [{ path: "a", op: "eq", valueFromTrigger: "b" }] }] })).toMatchObject({ ok: false });
    expect(bad({ propertyRules: [{ id: "viewed_product", filter: { path: "ordersCount", op: "gte", value: 1 }, points: 1 }] })).toMatchObject({ ok: false });
    expect(bad({ extra: true })).toMatchObject({ ok: false });
    expect(parseScoringConfig("{not json")).toMatchObject({ ok: false, path: null });
  });

  it("reads nothing stored as the defaults and an unreadable stored value as off", () => {
    expect(storedScoringConfig(null)).toBe(DEFAULT_SCORING);
    expect(storedScoringConfig({ threshold: "high" })).toMatchObject({ enabled: false });
  });

  it("shows scores to one decimal", () => {
    expect(displayScore(12.345)).toBe(12.3);
    expect(displayScore(19.96)).toBe(20);
  });
});

describe("describeEffects", () => {
  it("names the rule, its filters, what it added and a cap that held it back", async () => {
    const { describeEffects } = await import("./describe");
    const c = config({ propertyRules: [{ id: "repeat_buyer", filter: { path: "ordersCount", op: "gte", value: 3 }, points: 8 }] });
    expect(describeEffects([{ ruleId: "added_to_cart", points: 3, added: 3, capped: false }], c)).toBe("Added to Cart +3");
    expect(describeEffects([{ ruleId: "opened_email", points: 1, added: 0.25, capped: true }], c)).toBe('Opened Email (machine is not true) +0.3 (cap 5 reached)');
    expect(describeEffects([{ ruleId: "repeat_buyer", points: -8, added: -8, capped: false }], c)).toBe("orders placed ≥ 3 no longer holds −8");
    expect(describeEffects([{ ruleId: "gone", points: 2, added: 2, capped: false }], c)).toBe("rule gone +2");
    expect(describeEffects([], c)).toBe("No rule matched");
  });
});
