import { describe, expect, it } from "vitest";
import { createRecordAssembler, parseJsonlLine } from "./jsonl";

const order = (id: number) => ({ id: `gid://shopify/Order/${id}` });
const item = (id: number, parent: number) => ({ id: `gid://shopify/LineItem/${id}`, __parentId: `gid://shopify/Order/${parent}` });

describe("createRecordAssembler", () => {
  it("hands back each parent with the children that followed it, once, with its line range", () => {
    const lines = [order(1), item(11, 1), item(12, 1), order(2), order(3), item(31, 3)];
    const assembler = createRecordAssembler();
    const records = lines.flatMap((line, i) => assembler.push(line, i) ?? []);
    const last = assembler.finish();
    const all = last ? [...records, last] : records;
    expect(all.map((r) => [r.firstLine, r.endLine, r.children.length])).toEqual([
      [0, 3, 2],
      [3, 4, 0],
      [4, 6, 1],
    ]);
    expect(assembler.finish()).toBeNull();
  });

  it("refuses a child that is not right after its parent (ungrouped output)", () => {
    const assembler = createRecordAssembler();
    assembler.push(order(1), 0);
    assembler.push(order(2), 1);
    expect(() => assembler.push(item(11, 1), 2)).toThrow(/line 3: child of gid:\/\/shopify\/Order\/1/);
    expect(() => createRecordAssembler().push(item(11, 1), 0)).toThrow(/line 1/);
  });
});

describe("parseJsonlLine", () => {
  it("keeps numbers beyond 2^53 exact and names the bad line", () => {
    expect(parseJsonlLine('{"objectCount":9007199254740993}', 0)).toEqual({ objectCount: "9007199254740993" });
    expect(() => parseJsonlLine("{nope", 41)).toThrow(/^line 42: invalid JSON/);
  });
});
