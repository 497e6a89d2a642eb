import { signupProxyLoader, submitSignup } from "../signup-proxy.server";

// The storefront signup form's submissions, through Shopify's app proxy (/apps/shop-flows/signup).
export const loader = signupProxyLoader;
export const action = submitSignup;
