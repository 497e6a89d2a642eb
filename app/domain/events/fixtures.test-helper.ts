/** Test-only helpers: load Shopify's sample payloads and vary them without losing big ids. */
import { readFileSync } from "node:fs";
import { LosslessNumber, parse, stringify } from "lossless-json";
import type { Normalized, NormalizeResult } from "./types";

const DIR = new URL("../../../tests/fixtures/shopify-webhooks/", import.meta.url);

/** Raw text of a topic's sample (orders/updated shares the orders/create order). */
export function fixtureText(topic: string): string {
  const file = topic === "orders/updated" ? "orders/create" : topic;
  return readFileSync(new URL(`${file.replace("/", "__")}.json`, DIR), "utf8");
}

// Test code edits arbitrary nested JSON; the payload's shape is what the test is about.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = any;

/** The sample, changed by `change`, re-serialised exactly (big numbers stay LosslessNumbers). */
export function fixtureWith(topic: string, change: (payload: Payload) => void): string {
  const payload: Payload = parse(fixtureText(topic));
  change(payload);
  const text = stringify(payload);
  if (text === undefined) throw new Error("fixture did not serialise");
  return text;
}

/** A JSON integer of any size, written exactly. */
export function big(digits: string): LosslessNumber {
  return new LosslessNumber(digits);
}

export function expectOk(result: NormalizeResult): Normalized {
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.value;
}

export function expectError(result: NormalizeResult): string {
  if (result.ok) throw new Error("expected ok:false");
  return result.error;
}
