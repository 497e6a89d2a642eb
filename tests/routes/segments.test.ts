import { beforeAll, describe, expect, it } from "vitest";
import { callRoute, demoLoginCookie, isResponse, renderRoute } from "../helpers/remix";

// The segment pages as the demo login reaches them: build and save, the live count, members, and that one shop can
// never read, count, change or delete another shop's segment.
process.env.DEMO_MODE = "1";
const { default: db } = await import("../../app/db.server");
const list = await import("../../app/routes/app.segments._index");
const page = await import("../../app/routes/app.segments.$segmentId");

const BASE = "http://127.0.0.1:3000";
const SHOP_A = "segments-a-demo.myshopify.com";
const SHOP_B = "segments-b-demo.myshopify.com";

const repeatBuyers = { kind: "all", of: [{ kind: "profile", field: "ordersCount", op: "gte", value: 2 }] };

type PageData = Exclude<Awaited<ReturnType<typeof page.loader>>, Response>;
type ListData = Exclude<Awaited<ReturnType<typeof list.loader>>, Response>;

function post(cookie: string | null, segmentId: string, fields: Record<string, string> | string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  const body = typeof fields === "string" ? fields : new URLSearchParams(fields).toString();
  return callRoute(page.action, new Request(`${BASE}/app/segments/${segmentId}`, { method: "POST", headers, body }), { segmentId }) as Promise<Response>;
}

function load(cookie: string | null, segmentId: string, query = "") {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  return callRoute(page.loader, new Request(`${BASE}/app/segments/${segmentId}${query}`, { headers }), { segmentId });
}

const snapshot = () => db.segment.findMany({ orderBy: { id: "asc" }, select: { id: true, shopId: true, name: true, conditions: true } });

describe("segment pages", () => {
  let cookieA = "";
  let shopA = "";
  let segmentB = "";

  beforeAll(async () => {
    const a = await db.shop.create({ data: { domain: SHOP_A, name: "A", isDemo: true, settings: { create: {} } } });
    const b = await db.shop.create({ data: { domain: SHOP_B, name: "B", isDemo: true, settings: { create: {} } } });
    shopA = a.id;
    for (const [shopId, orders] of [[a.id, [0, 2, 3, 5]], [b.id, [4, 4, 4]]] as const) {
      for (const [i, ordersCount] of orders.entries()) {
        await db.profile.create({ data: { shopId, email: `p${i}-${shopId}@example.com`, ordersCount } });
      }
    }
    segmentB = (await db.segment.create({ data: { shopId: b.id, name: "B's buyers", conditions: repeatBuyers } })).id;
    cookieA = await demoLoginCookie(SHOP_A);
  });

  it("creates a segment, lists it with its count and pages through its members", async () => {
    const created = await post(cookieA, "new", { intent: "save", name: "  Repeat buyers ", conditions: JSON.stringify(repeatBuyers) });
    expect(created.status).toBe(302);
    const id = created.headers.get("Location")!.split("/").pop()!;
    expect(await db.segment.findUniqueOrThrow({ where: { id } })).toMatchObject({ shopId: shopA, name: "Repeat buyers" });

    const listed = (await callRoute(list.loader, new Request(`${BASE}/app/segments`, { headers: { Cookie: cookieA } }))) as ListData;
    expect(listed.segments).toEqual([expect.objectContaining({ id, name: "Repeat buyers", members: 3, valid: true })]);

    const data = (await load(cookieA, id)) as PageData;
    expect(data.members.map((m) => m.orders).sort()).toEqual([2, 3, 5]);
    expect(data.next).toBeNull();
    const html = await renderRoute(page.default, data);
    expect(html).toContain("Repeat buyers");
    expect(html).toContain("Profiles in this segment now");

    const changed = await post(cookieA, id, { intent: "save", name: "Big buyers", conditions: JSON.stringify({ kind: "profile", field: "ordersCount", op: "gte", value: 4 }) });
    expect(changed.status).toBe(302);
    expect(((await load(cookieA, id)) as PageData).members).toHaveLength(1);
  });

  it("counts a draft tree live, for this shop's profiles only", async () => {
    const reply = await post(cookieA, "new", { intent: "count", conditions: JSON.stringify(repeatBuyers) });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ count: 3 });
    const everyone = await post(cookieA, "new", { intent: "count", conditions: JSON.stringify({ kind: "all", of: [] }) });
    expect(await everyone.json()).toEqual({ count: 4 });
  });

  it("refuses invalid, malformed and oversized input with a clear error and stores nothing", async () => {
    const before = await snapshot();
    const cases: Array<[Record<string, string> | string, number, string]> = [
      [{ intent: "save", name: "Bad", conditions: JSON.stringify({ kind: "profile", field: "password", op: "exists" }) }, 400, "field"],
      [{ intent: "save", name: "Bad", conditions: JSON.stringify({ kind: "profile", field: "ordersCount", op: "gte", value: "lots" }) }, 400, "needs a number"],
      [{ intent: "save", name: "Bad", conditions: "{not json" }, 400, "not JSON"],
      [{ intent: "save", name: "", conditions: JSON.stringify(repeatBuyers) }, 400, "name"],
      [{ intent: "save", name: "x".repeat(121), conditions: JSON.stringify(repeatBuyers) }, 400, "name"],
      [{ intent: "count", conditions: JSON.stringify({ kind: "any", of: [] }) }, 400, "of"],
      [{ intent: "count", conditions: JSON.stringify({ kind: "all", of: Array.from({ length: 101 }, () => repeatBuyers.of[0]) }) }, 400, "at most 100 conditions"],
      [{ intent: "save", name: "Huge", conditions: "[" + "1,".repeat(200_000) + "1]" }, 413, "too large"],
      [{ intent: "drop" }, 400, "Unknown request"],
      ["%%%", 400, "Unknown request"],
    ];
    for (const [fields, status, message] of cases) {
      const reply = await post(cookieA, "new", fields);
      expect(reply.status, JSON.stringify(fields).slice(0, 80)).toBe(status);
      expect((await reply.json()).error).toContain(message);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("never lets one shop read, count, change or delete another shop's segment", async () => {
    const before = await snapshot();
    const read = await load(cookieA, segmentB);
    expect(isResponse(read) && read.status).toBe(404);
    const attempts: Array<Record<string, string>> = [
      { intent: "count", conditions: JSON.stringify(repeatBuyers) },
      { intent: "save", name: "Taken over", conditions: JSON.stringify({ kind: "all", of: [] }) },
      { intent: "delete" },
    ];
    for (const fields of attempts) {
      const reply = await post(cookieA, segmentB, fields);
      expect(reply.status).toBe(404);
    }
    expect(await snapshot()).toEqual(before);
    const unknown = await load(cookieA, "x".repeat(500));
    expect(isResponse(unknown) && unknown.status).toBe(404);
  });

  it("deletes the shop's own segment", async () => {
    const own = await db.segment.create({ data: { shopId: shopA, name: "Temporary", conditions: repeatBuyers } });
    const reply = await post(cookieA, own.id, { intent: "delete" });
    expect(reply.status).toBe(302);
    expect(await db.segment.findUnique({ where: { id: own.id } })).toBeNull();
  });

  it("sends unauthenticated requests to the login and changes nothing", async () => {
    const before = await snapshot();
    const listed = await callRoute(list.loader, new Request(`${BASE}/app/segments`));
    expect(isResponse(listed) && listed.status).toBe(302);
    const read = await load(null, segmentB);
    expect(isResponse(read) && read.status).toBe(302);
    const reply = await post(null, "new", { intent: "save", name: "Sneaky", conditions: JSON.stringify(repeatBuyers) });
    expect(reply.status).toBe(302);
    expect(reply.headers.get("Location")).toContain("/demo/login");
    expect(await snapshot()).toEqual(before);
  });
});
