import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { createElement, type ComponentType } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";

/** Calls a Remix loader or action the way Remix does; a thrown Response (redirect, 401, 404) is the answer. */
export async function callRoute<T>(
  handler: (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<T> | T,
  request: Request,
  params: Record<string, string> = {},
): Promise<T | Response> {
  try {
    return await handler({ request, params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

export function isResponse(value: unknown): value is Response {
  return value instanceof Response;
}

/** The "name=value" pair of a Set-Cookie header, ready for a Cookie header. */
export function cookieFrom(response: Response): string {
  const header = response.headers.get("Set-Cookie");
  if (!header) throw new Error("response set no cookie");
  return header.split(";")[0];
}

/**
 * Logs in to a demo shop through the demo login's action and returns the session cookie. Needs DEMO_MODE=1 set
 * before the app's modules load (the route module is imported here, at call time).
 */
export async function demoLoginCookie(domain: string, base = "http://127.0.0.1:3000"): Promise<string> {
  const demoLogin = await import("../../app/routes/demo.login");
  const response = await callRoute(demoLogin.action, new Request(`${base}/demo/login`, { method: "POST", body: new URLSearchParams({ shop: domain }) }));
  return cookieFrom(response as Response);
}

/** Server-renders a route component with its loader's data inside Polaris, as the document request would. */
export async function renderRoute(Component: ComponentType, data: object): Promise<string> {
  return renderStatic({ id: "route", path: "/", loader: () => data, Component });
}

/** Server-renders a route's ErrorBoundary for what its loader threw (an Error, or a Response), inside Polaris. */
export async function renderRouteError(ErrorBoundary: ComponentType, thrown: unknown): Promise<string> {
  return renderStatic({ id: "route", path: "/", loader: () => { throw thrown; }, Component: () => null, ErrorBoundary });
}

async function renderStatic(route: Parameters<typeof createStaticHandler>[0][number]): Promise<string> {
  const handler = createStaticHandler([route]);
  const context = await handler.query(new Request("http://127.0.0.1/"));
  if (context instanceof Response) throw new Error("no render");
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(createElement(AppProvider, { i18n: en }, createElement(StaticRouterProvider, { router, context })));
}
