import db from "../db.server";

/** Liveness plus a database round trip, for load balancers and the demo script. */
export const loader = async () => {
  try {
    await db.shop.count();
    return Response.json({ ok: true });
  } catch (error) {
    console.error("healthz: database unavailable", error);
    return Response.json({ ok: false }, { status: 503 });
  }
};
