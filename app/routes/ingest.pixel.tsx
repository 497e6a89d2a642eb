import { ingestPixelEvents, pixelPreflight } from "../pixel-ingest.server";

// Storefront events from the web pixel; everything but the HTTP entry points lives in pixel-ingest.server.ts.
export const loader = pixelPreflight;
export const action = ingestPixelEvents;
