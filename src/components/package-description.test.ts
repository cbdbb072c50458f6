import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
const { PackageDescription } = await import("./package-description");

async function rendered(description: string, contentType = "text/markdown"): Promise<string> {
  return renderToStaticMarkup(await PackageDescription({ description, contentType }));
}

describe("package descriptions", () => {
  it("show images as links to them rather than loading them", async () => {
    const html = await rendered(
      [
        "# Tools",
        "![build status](https://tracker.example/pixel.gif?reader=1)",
        '<img src="https://tracker.example/raw.png" alt="raw">',
        '<img src="//tracker.example/protocol-relative.png">',
        '<picture><source srcset="https://tracker.example/a.webp"><img src="https://tracker.example/b.png"></picture>',
        '<svg><image href="https://tracker.example/c.png"/></svg>',
        '<video poster="https://tracker.example/poster.png"></video>',
        '<div style="background: url(https://tracker.example/bg.png)">styled</div>',
        '<img src="javascript:alert(1)" alt="script">',
      ].join("\n\n"),
    );
    expect(html).not.toMatch(/<img|<source|<svg|<image|<video|srcset|poster|style=/i);
    expect(html).toContain('<a href="https://tracker.example/pixel.gif?reader=1" rel="nofollow noopener noreferrer"');
    expect(html).toContain(">Image: build status</a>");
    expect(html).toContain('href="//tracker.example/protocol-relative.png"');
    expect(html).not.toContain("javascript:");
    expect(html).toContain(">Image: script</a>");
  });

  it("keep ordinary Markdown and links, which send no referrer", async () => {
    const html = await rendered("Some **bold** text and [a link](https://example.org/docs).");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('<a href="https://example.org/docs" rel="nofollow noopener noreferrer">a link</a>');
  });

  it("highlight fenced code on the server and keep tables, but no class or id that could restyle the page", async () => {
    const html = await rendered(
      ["```python", "def run():", "    return 1", "```", "", "| a | b |", "|---|---|", "| 1 | 2 |", "", '<p class="fixed inset-0" id="main">cover</p>'].join("\n"),
    );
    expect(html).toContain('<code class="hljs language-python"><span class="hljs-keyword">def</span>');
    // Tables and code blocks scroll inside their own box on phones, so a keyboard can reach them.
    expect(html).toContain('<table tabindex="0">');
    expect(html).toContain('<pre tabindex="0"><code class="hljs language-python">');
    expect(html).toContain("<td>1</td>");
    expect(html).not.toContain("inset-0");
    expect(html).toContain('id="description-main"');
  });

  it("render reStructuredText with highlighted code blocks, sanitized like Markdown", async () => {
    const html = await rendered(
      ["Title", "=====", "", "Some *emphasis*.", "", ".. code-block:: python", "", "    import os", "", ".. image:: https://tracker.example/badge.svg", "", ".. raw:: html", "", "   <script>alert(1)</script>"].join("\n"),
      "text/x-rst",
    );
    expect(html).toMatch(/<h1 id="description-title">\s*Title\s*<\/h1>/);
    expect(html).toContain("<em>emphasis</em>");
    expect(html).toContain('<span class="hljs-keyword">import</span>');
    expect(html).toContain(">Image</a>");
    expect(html).not.toMatch(/<script|<img/);
  });

  it("show reStructuredText that takes too long to render as text, without holding up the next one", async () => {
    const slow = "Title\n=====\n\n".repeat(3000);
    const html = await rendered(slow, "text/x-rst");
    expect(html).toMatch(/^<pre/);
    expect(await rendered("Fine\n====\n\nText.", "text/x-rst")).toContain("Text.");
  }, 20_000);
});
