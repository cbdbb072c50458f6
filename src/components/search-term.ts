/**
 * A search box's text as a page reads it from its URL: one line, at most `maxLength` characters. A search box
 * cannot type control characters, so a URL that carries them gets them as spaces rather than an error page.
 */
export function searchTermFrom(value: string | string[] | undefined, maxLength: number): string {
  const text = Array.isArray(value) ? value[0] : value;
  return (text ?? "").replace(/[\u0000-\u001f\u007f]+/g, " ").slice(0, maxLength);
}
