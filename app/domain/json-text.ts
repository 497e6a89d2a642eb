/** JSON that may arrive as text (a form field) or already parsed: one way to read it, failures as values. */
export type JsonTextResult = { ok: true; value: unknown } | { ok: false; error: string };

/** The value itself, or its JSON text parsed; never throws. */
export function fromJsonText(json: unknown): JsonTextResult {
  if (typeof json !== "string") return { ok: true, value: json };
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch (error) {
    return { ok: false, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}
