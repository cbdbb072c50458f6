/** Output helpers: plain aligned tables for people, JSON for programs. */
import Table from "cli-table3";

/** JSON for `--json`: Dates become ISO strings, and the output always ends with a newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const noBorders = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** A borderless table with a header row, easy to read and to grep. */
export function table(headers: string[], rows: string[][]): string {
  const output = new Table({ head: headers, chars: noBorders, style: { head: [], border: [], "padding-left": 0, "padding-right": 0 } });
  output.push(...rows);
  return `${output
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")}\n`;
}

export function formatDate(value: Date | string | null | undefined, empty = "-"): string {
  if (!value) return empty;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? empty : date.toISOString().slice(0, 10);
}

export function formatDateTime(value: Date | string | null | undefined, empty = "-"): string {
  if (!value) return empty;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? empty : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
