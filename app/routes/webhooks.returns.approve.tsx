import type { ActionFunctionArgs } from "@remix-run/node";
import { acceptWebhook } from "../webhooks.server";

export const action = ({ request }: ActionFunctionArgs) => acceptWebhook(request, "returns/approve");
