import "server-only";
import hljs from "highlight.js";
import { Marked, type Tokens } from "marked";
import sanitizeHtml from "sanitize-html";

/**
 * Uploaded descriptions (Markdown, reStructuredText rendered to HTML, notebook Markdown cells) made safe to show:
 * rendered on the server, code highlighted there (highlight.js, no script in the browser), then sanitized, since
 * every upload is an untrusted HTML source.
 *
 * An image becomes a link to it: fetching it would tell its host who reads the package, and when (a tracking
 * pixel in a private package's README names its readers). The site's Content-Security-Policy refuses other hosts'
 * images too; this keeps the reader able to open one deliberately. Notebook outputs are the one exception, shown
 * by the notebook preview itself as data URLs, which load nothing from anywhere.
 */
const imageAsLink: sanitizeHtml.Transformer = (_tagName, attribs) => ({
  tagName: "a",
  attribs: { href: attribs.src ?? "", rel: "nofollow noopener noreferrer", title: "Image not loaded: opens the image's address", "data-image": "" },
  text: attribs.alt ? `Image: ${attribs.alt}` : "Image",
});

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(["h1", "h2", "del", "details", "summary"]),
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    a: ["href", "name", "rel", "title", "data-image"],
    table: ["tabindex"],
    pre: ["tabindex"],
    th: ["align", "colspan", "rowspan"],
    td: ["align", "colspan", "rowspan"],
    ol: ["start"],
    "*": ["id"],
  },
  // Only the highlighter's own classes and a code block's language survive: no class can restyle the page.
  allowedClasses: { code: ["hljs", "language-*"], span: ["hljs-*"], pre: ["code"], div: ["admonition", "note", "warning", "tip", "important"] },
  allowedSchemes: ["http", "https", "mailto"],
  transformTags: {
    a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer" }),
    img: imageAsLink,
    // Wide tables and code scroll inside their own box on phones: a keyboard must be able to reach and scroll it.
    table: sanitizeHtml.simpleTransform("table", { tabindex: "0" }),
    pre: sanitizeHtml.simpleTransform("pre", { tabindex: "0" }),
  },
};

/** Ids from uploaded text could collide with the page's own (`main`, `install-heading`): they get a prefix. */
function prefixIds(html: string): string {
  return html.replace(/ id="([^"]*)"/g, (_match, id: string) => ` id="description-${id}"`).replace(/ href="#([^"]*)"/g, (_match, id: string) => ` href="#description-${id}"`);
}

export function sanitizeMarkup(html: string): string {
  return prefixIds(sanitizeHtml(html, sanitizeOptions));
}

/** Highlighted HTML of a piece of code; unknown or missing languages are escaped as they are, not guessed. */
export function highlightCode(code: string, language: string | null | undefined): string {
  const name = language?.trim().toLowerCase().split(/[\s{,]/)[0] ?? "";
  if (name && hljs.getLanguage(name)) {
    try {
      return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    } catch {
      // Falls through to plain text.
    }
  }
  return code.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function codeBlock(code: string, language: string | null | undefined): string {
  const name = language?.trim().toLowerCase().split(/[\s{,]/)[0] ?? "";
  const languageClass = name && hljs.getLanguage(name) ? ` language-${name}` : "";
  return `<pre><code class="hljs${languageClass}">${highlightCode(code, name)}</code></pre>\n`;
}

const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    code({ text, lang }: Tokens.Code) {
      return codeBlock(text, lang);
    },
  },
});

export function renderMarkdown(text: string): string {
  return sanitizeMarkup(markdown.parse(text, { async: false }) as string);
}

/** For the reStructuredText renderer, which hands code blocks to a highlighter of this shape. */
export const codeBlockHtml = codeBlock;
