import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";

/** The ceiling for webhook acceptance: a bare node:http server that verifies the same HMAC and answers 200. */
const secret = process.env.SHOPIFY_API_SECRET ?? "";
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const expected = createHmac("sha256", secret).update(Buffer.concat(chunks)).digest();
    const given = Buffer.from(String(req.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    res.writeHead(ok ? 200 : 401).end();
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ceiling listening"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
