/** Sizes as the site writes them everywhere (pages, plan limits, refusals): 1024-based, "10 GB", "512 bytes". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value >= 10 ? 0 : 1)} ${units[unit]}`;
}

export const bytesPerGigabyte = 1024 ** 3;
