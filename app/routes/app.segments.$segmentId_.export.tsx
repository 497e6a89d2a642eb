// A segment's members as CSV, streamed page by page (csv-stringify), so a large segment never sits in memory.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { stringify } from "csv-stringify";
import { once } from "node:events";
import { Readable } from "node:stream";
import { z } from "zod";
import { requireShop } from "../admin.server";
import db from "../db.server";
import { EXPORT_COLUMNS, exportRow, type ExportProfile } from "../domain/profiles/csv-export";
import { findSegment, segmentExportProfiles } from "../models/segments.server";

const idParam = z.string().min(1).max(64);

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const id = idParam.safeParse(params.segmentId);
  const segment = id.success ? await findSegment(db, shop.id, id.data) : null;
  if (!segment) throw new Response("Not found", { status: 404 });
  if (!segment.tree) return new Response("This segment's conditions need editing before it can be exported", { status: 409 });
  const tree = segment.tree;

  const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] });
  const now = new Date(); // one instant for the whole file: every row is a member as of the same moment
  (async () => {
    for await (const page of segmentExportProfiles(db, shop, tree, now)) {
      for (const profile of page) {
        if (!csv.write(exportRow(profile as ExportProfile, shop.currency))) await once(csv, "drain");
      }
    }
    csv.end();
  })().catch((error) => csv.destroy(error instanceof Error ? error : new Error(String(error))));

  const filename = `${segment.name.replace(/[^A-Za-z0-9 _-]+/g, "").trim().replace(/\s+/g, "-") || "segment"}-${now.toISOString().slice(0, 10)}.csv`;
  return new Response(Readable.toWeb(csv) as ReadableStream<Uint8Array>, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
};
