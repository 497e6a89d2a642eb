/**
 * What the Lead scoring page's editor needs in the browser (no Node modules here: form.ts, which checks addresses,
 * stays on the server): filter values typed as text, and where a rules error is.
 */
import type { JsonValue } from "../events/types";
import type { PropertyFilter } from "../flows/definition";

/** "eventRules.2.points" -> "Event rule 3": where in the editor a rules error is. */
export function problemPlace(path: string): string {
  const m = /^(eventRules|propertyRules)\.(\d+)/.exec(path);
  if (!m) return "";
  return `${m[1] === "eventRules" ? "Event rule" : "Property rule"} ${Number(m[2]) + 1}`;
}

/** A typed value as JSON: true/false, numbers, else the text; for "is one of", a comma-separated list. */
export function filterValueFromText(op: PropertyFilter["op"], text: string): JsonValue {
  const scalar = (t: string): JsonValue => {
    const v = t.trim();
    if (v === "true") return true;
    if (v === "false") return false;
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return v;
  };
  return op === "in" ? text.split(",").map(scalar) : scalar(text);
}

/** The inverse of filterValueFromText, for showing a stored filter in the editor. */
export function filterValueToText(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map((v) => filterValueToText(v)).join(", ");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
