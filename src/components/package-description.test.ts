import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PackageDescription } from "./package-description";

function rendered(description: string): string {
  return renderToStaticMarkup(PackageDescription({ description, contentType: "text/markdown" }));
}

describe("package descriptions", () => {
  it("show images as links to them rather than loading them", () => {
    const html = rendered(
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

  it("keep ordinary Markdown and links, which send no referrer", () => {
    const html = rendered("Some **bold** text and [a link](https://example.org/docs).");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('<a href="https://example.org/docs" rel="nofollow noopener noreferrer">a link</a>');
  });
});
