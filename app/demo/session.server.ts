import { createCookieSessionStorage, redirect } from "@remix-run/node";
import type { Db } from "../db/client.server";
import { env, isDemoLoginEnabled } from "../env.server";

/** The demo's own login: a signed cookie naming a demo shop. Exists only while isDemoLoginEnabled(). */
const storage = createCookieSessionStorage<{ shopDomain: string }>({
  cookie: {
    name: "__demo_session",
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: false, // the demo binds to loopback over plain HTTP
    secrets: [env.SESSION_SECRET],
    maxAge: 60 * 60 * 12,
  },
});

export class DemoLoginDisabledError extends Error {
  constructor() {
    super("Demo login is disabled (it needs DEMO_MODE=1 and never runs under NODE_ENV=production)");
  }
}

function assertDemoEnabled() {
  if (!isDemoLoginEnabled()) throw new DemoLoginDisabledError();
}

/** Logs in as the demo shop; refuses any shop that was not seeded as a demo. */
export async function startDemoSession(db: Db, shopDomain: string, redirectTo: string) {
  assertDemoEnabled();
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop?.isDemo) return null;
  const session = await storage.getSession();
  session.set("shopDomain", shop.domain);
  return redirect(redirectTo, { headers: { "Set-Cookie": await storage.commitSession(session) } });
}

/** The demo shop of this request's cookie, or null. */
export async function readDemoShop(db: Db, request: Request) {
  assertDemoEnabled();
  const session = await storage.getSession(request.headers.get("Cookie"));
  const domain = session.get("shopDomain");
  if (!domain) return null;
  const shop = await db.shop.findUnique({ where: { domain } });
  return shop?.isDemo ? shop : null;
}

export async function endDemoSession(request: Request) {
  const session = await storage.getSession(request.headers.get("Cookie"));
  return redirect("/demo/login", { headers: { "Set-Cookie": await storage.destroySession(session) } });
}
