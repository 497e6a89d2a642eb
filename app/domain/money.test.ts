import { describe, expect, it } from "vitest";
import { currencyFractionDigits, formatMoney, toDecimalString, toMinorUnits } from "./money";

describe("money", () => {
  it("knows each currency's minor units", () => {
    expect(currencyFractionDigits("USD")).toBe(2);
    expect(currencyFractionDigits("JPY")).toBe(0);
    expect(currencyFractionDigits("KWD")).toBe(3);
    expect(currencyFractionDigits("IDR")).toBe(2);
    expect(() => currencyFractionDigits("usd")).toThrow(/ISO 4217/);
  });

  it("parses Shopify decimal strings exactly", () => {
    expect(toMinorUnits("19.99", "USD")).toBe(1999n);
    expect(toMinorUnits("19.9", "USD")).toBe(1990n);
    expect(toMinorUnits("20", "USD")).toBe(2000n);
    expect(toMinorUnits("1200", "JPY")).toBe(1200n);
    expect(toMinorUnits("1200.00", "JPY")).toBe(1200n);
    expect(toMinorUnits("-5.00", "EUR")).toBe(-500n);
    // 0.1 + 0.2 style float errors cannot happen: no floats on the way.
    expect(toMinorUnits("0.30", "USD")).toBe(30n);
  });

  it("keeps amounts past Int32 and 2^53 exact", () => {
    expect(toMinorUnits("24000000.00", "IDR")).toBe(2400000000n);
    expect(toDecimalString(123456789012345678901n, "USD")).toBe("1234567890123456789.01");
    expect(formatMoney(123456789012345678901n, "USD")).toBe("$1,234,567,890,123,456,789.01");
  });

  it("refuses garbage and precision it would have to drop", () => {
    expect(() => toMinorUnits("abc", "USD")).toThrow(/Not a decimal/);
    expect(() => toMinorUnits("1e3", "USD")).toThrow(/Not a decimal/);
    expect(() => toMinorUnits("1.005", "USD")).toThrow(/precision/);
    expect(() => toMinorUnits("12.5", "JPY")).toThrow(/precision/);
  });

  it("formats for display", () => {
    expect(formatMoney(123450n, "USD")).toBe("$1,234.50");
    expect(formatMoney(0n, "EUR", "de-DE")).toBe("0,00\u00a0€");
    expect(toDecimalString(5n, "USD")).toBe("0.05");
    expect(toDecimalString(-5n, "USD")).toBe("-0.05");
  });
});
