/** Shopify GraphQL global ids: `gid://shopify/Order/123` is REST's order 123. */
import { z } from "zod";

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/;

/** The resource type and numeric id (a string, exact beyond 2^53) of a gid; null when it is not one. */
export function parseGid(gid: string): { type: string; id: string } | null {
  const match = GID.exec(gid);
  return match ? { type: match[1], id: match[2] } : null;
}

/** A gid of one resource type, output as its numeric id string (what the webhook normalisers use). */
export function gidOf(type: string) {
  return z.string().transform((gid, ctx) => {
    const parsed = parseGid(gid);
    if (parsed?.type !== type) {
      ctx.issues.push({ code: "custom", message: `expected a ${type} gid, got ${JSON.stringify(gid)}`, input: gid });
      return z.NEVER;
    }
    return parsed.id;
  });
}
