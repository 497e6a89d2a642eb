import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { isDemoLoginEnabled } from "../env.server";
import { endDemoSession } from "../demo/session.server";

async function logout(request: Request) {
  if (!isDemoLoginEnabled()) throw new Response("Not Found", { status: 404 });
  return endDemoSession(request);
}

export const loader = ({ request }: LoaderFunctionArgs) => logout(request);
export const action = ({ request }: ActionFunctionArgs) => logout(request);
