import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { isDemoLoginEnabled } from "../env.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  // Shopify opens the app with ?shop=...; the demo has its own login.
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  if (isDemoLoginEnabled()) throw redirect("/demo/login");
  return null;
};

export default function Landing() {
  return (
    <main style={{ maxWidth: 560, margin: "10vh auto", fontFamily: "system-ui, sans-serif", lineHeight: 1.5 }}>
      <h1>Email flows that earn from day one</h1>
      <p>
        Welcome series, abandoned checkout, post-purchase, winback and more: switch them on and see the revenue each
        one brings, inside your Shopify admin.
      </p>
      <Form method="post" action="/auth/login">
        <label>
          Shop domain <input type="text" name="shop" placeholder="my-shop.myshopify.com" required />
        </label>{" "}
        <button type="submit">Log in</button>
      </Form>
    </main>
  );
}
