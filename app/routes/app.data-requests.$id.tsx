import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { findDataRequest } from "../models/compliance/export.server";

/** The export of one customers/data_request as a JSON download; another shop's id is simply not found. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const row = params.id ? await findDataRequest(db, shop.id, params.id) : null;
  if (!row) throw new Response("Not found", { status: 404 });
  const filename = `data-request-${row.requestId.replace(/[^\w.-]/g, "_")}.json`;
  return new Response(JSON.stringify(row.export, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
};
