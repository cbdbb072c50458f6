/**
 * A dynamic segment of the page's path (an owner or package name) as the page looks it up: decoded where it
 * still holds escapes, and as it is where it cannot be decoded (a stray `%`), which then simply names nothing.
 */
export function routeParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
