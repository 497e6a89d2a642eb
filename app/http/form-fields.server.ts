// Form posts read from a body already capped by readBodyWithin.

/** The form fields of a urlencoded or multipart body (RFC 8058 allows both); null when unreadable. */
export async function formFields(request: Request, body: string): Promise<{ get(name: string): string | null } | null> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^multipart\/form-data/i.test(type)) return new URLSearchParams(body);
  try {
    const form = await new Response(body, { headers: { "Content-Type": type } }).formData();
    return { get: (name) => (typeof form.get(name) === "string" ? (form.get(name) as string) : null) };
  } catch {
    return null;
  }
}
