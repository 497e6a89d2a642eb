// The small standalone HTML pages people reach from an email (preferences, signup confirmation): no scripts, no
// external requests, the URL's token never leaked in a Referer.

const HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store, private",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  // The token in these pages' URLs is a credential: it must not travel on in a Referer.
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex",
};

import { escapeHtml } from "../domain/email/liquid";

export { escapeHtml };

const STYLE = `
body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#f4f4f4}
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 1rem}
.status{padding:.75rem 1rem;border-left:4px solid #1a7f37;background:#eef8f0;margin:1rem 0}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;border-radius:6px;background:#1a1a1a;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #2c6ecb;outline-offset:2px}
.small{font-size:.875rem;color:#4a4a4a}`;

/** A complete page around `content` (trusted HTML: escape what goes into it); `title` is escaped here. */
export function standalonePage(status: number, title: string, content: string, lang = "en"): Response {
  const html = `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
  return new Response(html, { status, headers: HEADERS });
}
