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
