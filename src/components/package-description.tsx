import { marked } from "marked";
import sanitizeHtml from "sanitize-html";

/**
 * A package's long description: Markdown is rendered and then sanitized (uploads are untrusted HTML
 * sources); reStructuredText and plain text are shown as preformatted text.
 */
export function PackageDescription({ description, contentType }: { description: string; contentType: string | null }) {
  if (contentType?.startsWith("text/markdown")) {
    const html = sanitizeHtml(marked.parse(description, { async: false, gfm: true }), {
      allowedTags: sanitizeHtml.defaults.allowedTags.concat(["img", "h1", "h2", "del", "details", "summary"]),
      allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, img: ["src", "alt", "title", "width", "height"], code: ["class"] },
      allowedSchemes: ["http", "https", "mailto"],
      transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener" }) },
    });
    return <div className="package-description prose-sm space-y-3 break-words" dangerouslySetInnerHTML={{ __html: html }} />;
  }
  return <pre className="overflow-x-auto whitespace-pre-wrap break-words text-sm">{description}</pre>;
}
