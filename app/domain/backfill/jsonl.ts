/** Reading a bulk operation's JSONL result: one object per line, nested connections as lines with `__parentId`. */
import { parseShopifyJson } from "../events/shopify-json";

/** A top-level object and the nested objects that followed it, with the line range they span. */
export type BulkRecord = { parent: unknown; children: unknown[]; firstLine: number; endLine: number };

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Parses one line (ids and amounts stay exact); throws saying which line is not JSON. */
export function parseJsonlLine(text: string, index: number): unknown {
  try {
    return parseShopifyJson(text);
  } catch (error) {
    throw new Error(`line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Groups lines into records as they stream past: a line without `__parentId` opens a record, the child lines after
 * it join it. A record is complete when the next one opens (or at the end), so each is handed back exactly once.
 * The export must be grouped (groupObjects: true); a child outside its parent's run is an error, not a guess.
 */
export function createRecordAssembler() {
  let current: BulkRecord | null = null;
  let currentId: unknown;
  return {
    push(line: unknown, index: number): BulkRecord | null {
      const parentId = field(line, "__parentId");
      if (parentId === undefined) {
        const done = current;
        current = { parent: line, children: [], firstLine: index, endLine: index + 1 };
        currentId = field(line, "id");
        return done;
      }
      if (!current || parentId !== currentId) {
        throw new Error(`line ${index + 1}: child of ${String(parentId)} is not right after its parent (export not grouped?)`);
      }
      current.children.push(line);
      current.endLine = index + 1;
      return null;
    },
    finish(): BulkRecord | null {
      const done = current;
      current = null;
      return done;
    },
  };
}
