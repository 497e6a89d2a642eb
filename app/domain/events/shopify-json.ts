import { isInteger, isSafeNumber, parse } from "lossless-json";

/**
 * Shopify's numbers, kept exact: integers beyond Number.MAX_SAFE_INTEGER (most ids) become their exact decimal
 * string, as does any other number a double cannot hold exactly; everything else stays a plain number.
 */
function parseNumber(text: string): number | string {
  if (isInteger(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  }
  return isSafeNumber(text) ? Number(text) : text;
}

/**
 * Parses a webhook's raw body without corrupting big ids (`JSON.parse` would round 820982911946154508).
 * Throws an Error saying where the body is not JSON. Duplicate keys are rejected rather than silently
 * resolved (lossless-json's default), so no two parsers can read one signed body differently.
 */
export function parseShopifyJson(text: string): unknown {
  try {
    return parse(text, null, parseNumber);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`invalid JSON: ${detail}`);
  }
}
