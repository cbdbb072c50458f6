import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Highlighted } from "./package-list";
import { Sparkline } from "./sparkline";

const marked = (text: string, terms: string[]) => renderToStaticMarkup(createElement(Highlighted, { text, terms }));

describe("search results", () => {
  it("mark every searched word, whatever its case, and nothing else", () => {
    const html = marked("NumPy tools for numbers", ["num", "TOOLS"]);
    expect(html.match(/<mark[^>]*>([^<]*)<\/mark>/g)?.map((mark) => mark.replace(/<[^>]+>/g, ""))).toEqual(["Num", "tools", "num"]);
  });

  it("treat a searched word as text, not as a pattern, and escape the rest", () => {
    expect(marked("c++ <b> and (c)", ["c++", "(c)"])).toBe(
      '<mark class="rounded-sm bg-amber-200 px-0.5 text-stone-900">c++</mark> &lt;b&gt; and <mark class="rounded-sm bg-amber-200 px-0.5 text-stone-900">(c)</mark>',
    );
    expect(marked("plain", [])).toBe("plain");
  });
});

describe("trend lines", () => {
  it("say what they show, and draw a flat line when there were no downloads", () => {
    const html = renderToStaticMarkup(createElement(Sparkline, { values: [0, 0, 0] }));
    expect(html).toContain('aria-label="0 downloads in the last 3 days"');
    expect(html).toMatch(/<path[^>]+d="M1,22L48,22L95,22"/);
    expect(renderToStaticMarkup(createElement(Sparkline, { values: [1, 0] }))).toContain('aria-label="1 download in the last 2 days"');
  });
});
