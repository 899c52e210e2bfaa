/**
 * The path of a request target exactly as sent, or undefined when it is not already in the form
 * a URL parser would give it. WHATWG URL parsing resolves `..`, `.` and their percent-encoded
 * forms (`%2e%2e`), so `/api/v1/requests/%2e%2e/%2e%2e/%2e%2e/metrics` would become `/metrics`:
 * such targets (and absolute-form targets, `//host` and anything else unexpected) get a 404.
 */
export function exactPath(target: string | undefined): string | undefined {
  if (!target?.startsWith('/')) return undefined;
  const path = target.split('?', 1)[0]!;
  try {
    return new URL(target, 'http://localhost').pathname === path ? path : undefined;
  } catch {
    return undefined;
  }
}
