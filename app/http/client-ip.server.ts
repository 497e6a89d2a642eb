import type { AppLoadContext } from "@remix-run/node";

/**
 * The client's address: `clientIp` from the server's load context when it provides one (express `req.ip`, which
 * honours its "trust proxy" setting), else the last X-Forwarded-For entry, the one the nearest proxy appended
 * (earlier entries are whatever the client wrote). Unknown -> null, and only the per-client limit applies.
 */
export function clientIp(request: Request, context: AppLoadContext): string | null {
  if (typeof context.clientIp === "string" && context.clientIp) return context.clientIp;
  const last = request.headers.get("X-Forwarded-For")?.split(",").at(-1)?.trim();
  return last || null;
}
