import { describe, expect, it } from "vitest";
import { parseShopifyJson } from "./shopify-json";

describe("parseShopifyJson", () => {
  it("keeps integers beyond 2^53 as exact strings and safe ones as numbers", () => {
    const parsed = parseShopifyJson('{"id": 820982911946154508, "max": 18446744073709551615, "n": 42, "neg": -7}');
    expect(parsed).toEqual({ id: "820982911946154508", max: "18446744073709551615", n: 42, neg: -7 });
    // What it avoids: JSON.parse rounds the same id.
    expect(String(JSON.parse('{"id": 820982911946154508}').id)).toBe("820982911946154500");
  });

  it("keeps 2^53 - 1 a number and 2^53 + 1 a string", () => {
    expect(parseShopifyJson("[9007199254740991, 9007199254740993]")).toEqual([9007199254740991, "9007199254740993"]);
  });

  it("reads exact decimals as numbers and keeps ones a double cannot hold as strings", () => {
    expect(parseShopifyJson('{"a": 89.99, "b": 0.0, "c": 0.12345678901234567890}')).toEqual({
      a: 89.99,
      b: 0,
      c: "0.12345678901234567890",
    });
  });

  it("parses strings, booleans and null untouched", () => {
    expect(parseShopifyJson('{"s": "820982911946154508", "t": true, "z": null}')).toEqual({
      s: "820982911946154508",
      t: true,
      z: null,
    });
  });

  it("throws a clear error on invalid JSON", () => {
    expect(() => parseShopifyJson("not json")).toThrow(/^invalid JSON: /);
    expect(() => parseShopifyJson('{"a": 1,}')).toThrow(/invalid JSON: .*position 8/);
    expect(() => parseShopifyJson("")).toThrow(/invalid JSON/);
  });

  it("rejects duplicate keys instead of silently picking one", () => {
    expect(() => parseShopifyJson('{"id": 1, "id": 2}')).toThrow(/invalid JSON: Duplicate key 'id'/);
  });
});
