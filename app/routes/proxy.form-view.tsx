import { recordSignupFormView, signupProxyLoader } from "../signup-proxy.server";

// The storefront signup form reports that it was shown, through Shopify's app proxy (/apps/shop-flows/form-view).
export const loader = signupProxyLoader;
export const action = recordSignupFormView;
