import { describe, expect, it } from "vitest";
import { describeDiscount, discountCodeFor, discountTitle, isWellFormedCode, MAX_TITLE_LENGTH, ourCodesIn, sanitizeCodePrefix } from "./discount-code";

const SECRET = "test-secret-of-sufficient-length";

describe("discountCodeFor", () => {
  it("is deterministic per (secret, message) and differs across messages and secrets", () => {
    const a = discountCodeFor({ secret: SECRET, messageId: "msg_1", prefix: "thanks" });
    expect(discountCodeFor({ secret: SECRET, messageId: "msg_1", prefix: "thanks" })).toBe(a);
    expect(discountCodeFor({ secret: SECRET, messageId: "msg_2", prefix: "thanks" })).not.toBe(a);
    expect(discountCodeFor({ secret: "another-secret", messageId: "msg_1", prefix: "thanks" })).not.toBe(a);
    expect(a).toMatch(/^THANKS-[2-9A-HJ-NP-Z]{10}$/);
  });

  it("never uses the look-alike characters 0, O, 1 or I in the random part", () => {
    const randoms = Array.from({ length: 2000 }, (_, i) => discountCodeFor({ secret: SECRET, messageId: `m${i}` }));
    const joined = randoms.join("");
    expect(joined).not.toMatch(/[01OI]/);
    // All 32 symbols appear: the mapping is not stuck on part of the alphabet.
    expect(new Set(joined).size).toBe(32);
    expect(new Set(randoms).size).toBe(randoms.length);
  });

  it("sanitises the prefix to A-Z0-9 and at most 20 characters; an empty one gives a bare code", () => {
    expect(sanitizeCodePrefix("abandoned_checkout")).toBe("ABANDONEDCHECKOUT");
    expect(sanitizeCodePrefix("Crème brûlée 2!")).toBe("CREMEBRULEE2");
    expect(sanitizeCodePrefix("x".repeat(50))).toHaveLength(20);
    expect(sanitizeCodePrefix(null)).toBe("");
    const bare = discountCodeFor({ secret: SECRET, messageId: "msg_1", prefix: "<>!" });
    expect(bare).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
    expect(isWellFormedCode(bare)).toBe(true);
    expect(isWellFormedCode(discountCodeFor({ secret: SECRET, messageId: "msg_1", prefix: "welcome" }))).toBe(true);
    expect(isWellFormedCode("WELCOME-0000000000")).toBe(false);
    expect(isWellFormedCode("welcome-ABCDEFGHJK")).toBe(false);
  });

  it("refuses to derive a code without a secret or a message id", () => {
    expect(() => discountCodeFor({ secret: "", messageId: "m" })).toThrow(/secret/);
    expect(() => discountCodeFor({ secret: SECRET, messageId: "" })).toThrow(/message id/);
  });
});

describe("discountTitle", () => {
  it("names the discount and keeps the code whole even when the name is long", () => {
    expect(discountTitle({ name: "Abandoned checkout", description: "10% off", code: "THANKS-7KQ2M9XDRT" })).toBe(
      "Abandoned checkout: 10% off (THANKS-7KQ2M9XDRT)",
    );
    const long = discountTitle({ name: "n".repeat(400), code: "THANKS-7KQ2M9XDRT" });
    expect(long).toHaveLength(MAX_TITLE_LENGTH);
    expect(long.endsWith("… (THANKS-7KQ2M9XDRT)")).toBe(true);
    expect(discountTitle({ name: "  ", code: "ABCDEFGHJK" })).toBe("Email discount (ABCDEFGHJK)");
  });
});

describe("describeDiscount", () => {
  it("describes percentages and fixed amounts in the shop's currency", () => {
    expect(describeDiscount({ kind: "percentage", value: 10, currency: "EUR" })).toBe("10% off");
    expect(describeDiscount({ kind: "percentage", value: 12.5, currency: "EUR" })).toBe("12.5% off");
    expect(describeDiscount({ kind: "fixed_amount", value: 5, currency: "EUR" })).toBe("€5.00 off");
    expect(describeDiscount({ kind: "fixed_amount", value: 7.5, currency: "USD" })).toBe("$7.50 off");
    expect(describeDiscount({ kind: "fixed_amount", value: 500, currency: "JPY" })).toBe("¥500 off");
    // Intl separates the amount and the sign with a no-break space.
    expect(describeDiscount({ kind: "fixed_amount", value: 5, currency: "EUR", locale: "de-DE" })).toBe("5,00\u00a0€ off");
    expect(describeDiscount({ kind: "fixed_amount", value: 5, currency: "euro" })).toBe("5 euro off");
  });
});

describe("ourCodesIn", () => {
  it("keeps well-formed codes, upper-cased and trimmed, once each, and nothing else", () => {
    const code = discountCodeFor({ secret: "s", messageId: "m1", prefix: "thanks" });
    expect(ourCodesIn([` ${code.toLowerCase()} `, code, "SPRING", 42, null, "X".repeat(300)])).toEqual([code]);
    expect(ourCodesIn("not a list")).toEqual([]);
    expect(ourCodesIn(undefined)).toEqual([]);
  });
});
