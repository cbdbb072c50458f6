import { renderRestructuredText } from "@/server/rendering/restructured-text";
import { renderMarkdown, sanitizeMarkup } from "./markup";

/**
 * A package's long description: Markdown and reStructuredText rendered on the server, code highlighted, then
 * sanitized (markup.ts); plain text, and reStructuredText that cannot be rendered in time, as preformatted text.
 */
export async function PackageDescription({ description, contentType }: { description: string; contentType: string | null }) {
  let html: string | null = null;
  if (contentType?.startsWith("text/markdown")) html = renderMarkdown(description);
  else if (contentType?.startsWith("text/x-rst")) {
    const rendered = await renderRestructuredText(description);
    html = rendered === null ? null : sanitizeMarkup(rendered);
  }
  if (html !== null) return <div className="package-description" data-testid="package-description" dangerouslySetInnerHTML={{ __html: html }} />;
  return (
    <pre className="overflow-x-auto text-sm break-words whitespace-pre-wrap" data-testid="package-description">
      {description}
    </pre>
  );
}
