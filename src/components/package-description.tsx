import { marked } from "marked";
import sanitizeHtml from "sanitize-html";

/**
 * An image in a description becomes a link to it: fetching it would tell its host who reads the package, and
 * when (a tracking pixel in a private package's README names its readers). The site's Content-Security-Policy
 * refuses other hosts' images too; this keeps the reader able to open one deliberately.
 */
const imageAsLink: sanitizeHtml.Transformer = (_tagName, attribs) => ({
  tagName: "a",
  attribs: { href: attribs.src ?? "", rel: "nofollow noopener noreferrer", title: "Image not loaded: opens the image's address", "data-image": "" },
  text: attribs.alt ? `Image: ${attribs.alt}` : "Image",
});

/**
 * A package's long description: Markdown is rendered and then sanitized (uploads are untrusted HTML
 * sources); reStructuredText and plain text are shown as preformatted text.
 */
export function PackageDescription({ description, contentType }: { description: string; contentType: string | null }) {
  if (contentType?.startsWith("text/markdown")) {
    const html = sanitizeHtml(marked.parse(description, { async: false, gfm: true }), {
      allowedTags: sanitizeHtml.defaults.allowedTags.concat(["h1", "h2", "del", "details", "summary"]),
      allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, a: ["href", "name", "rel", "title", "data-image"], code: ["class"] },
      allowedSchemes: ["http", "https", "mailto"],
      transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer" }), img: imageAsLink },
    });
    return <div className="package-description prose-sm space-y-3 break-words" dangerouslySetInnerHTML={{ __html: html }} />;
  }
  return <pre className="overflow-x-auto whitespace-pre-wrap break-words text-sm">{description}</pre>;
}
