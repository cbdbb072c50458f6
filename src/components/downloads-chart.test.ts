import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DownloadsChart } from "./downloads-chart";

describe("the downloads chart", () => {
  it("counts the last 30 days by default, today's included, and gives the same figures as tables", () => {
    // A year ending 2026-12-01: one day too old for the 30-day window, two inside it, today among them.
    const rows = [
      { day: "2026-11-01", version: "1.0", platform: "noarch", count: 50 },
      { day: "2026-11-02", version: "1.0", platform: "noarch", count: 3 },
      { day: "2026-12-01", version: "2.0", platform: "linux-64", count: 4 },
      { day: "2026-12-01", version: "2.0", platform: "noarch", count: 1 },
    ];
    const html = renderToStaticMarkup(createElement(DownloadsChart, { since: "2025-12-02", days: 365, rows }));
    expect(html).toContain("8 downloads in the last 30 days");
    expect(html).toContain('aria-label="Downloads per day over the last 30 days: 8 in total.');
    const cells = (caption: string) => {
      const table = html.slice(html.indexOf(`>${caption}</caption>`));
      return [...table.slice(0, table.indexOf("</table>")).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((match) => match[1]);
    };
    expect(cells("Per day")).toEqual(["2026-11-02", "3", "2026-12-01", "5"]);
    expect(cells("Per version")).toEqual(["2.0", "5", "1.0", "3"]);
    // Ties go by name.
    expect(cells("Per platform")).toEqual(["linux-64", "4", "noarch", "4"]);
  });
});
