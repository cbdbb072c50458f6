/**
 * Avatars are drawn here from the name alone (no request to a third party): its initials on a colour picked by a
 * hash of the name, so one name always gets the same colour. Every colour gives white text a contrast of at
 * least 4.5:1 (WCAG AA for normal text); a test computes it.
 */
export const avatarColours = [
  "#b91c1c",
  "#c2410c",
  "#a16207",
  "#15803d",
  "#0f766e",
  "#0369a1",
  "#1d4ed8",
  "#4338ca",
  "#6d28d9",
  "#a21caf",
  "#be185d",
  "#44403c",
] as const;

/** FNV-1a over the lower-cased name: cheap, stable across servers and browsers. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (const character of text.toLowerCase()) {
    value ^= character.codePointAt(0)!;
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

export function avatarColour(name: string): string {
  return avatarColours[hash(name) % avatarColours.length]!;
}

/** Up to two initials: the first letters of the name's first two words (`ada-lovelace` → AL), else its first letter. */
export function avatarInitials(name: string): string {
  const words = name.split(/[\s_.-]+/).filter(Boolean);
  const initials = words.length > 1 ? [words[0]!, words[1]!].map((word) => [...word][0]!) : [...(words[0] ?? "")].slice(0, 1);
  return initials.join("").toUpperCase() || "?";
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
export function contrastRatio(foreground: string, background: string): number {
  const luminance = (colour: string) => {
    const [red, green, blue] = [1, 3, 5].map((start) => {
      const channel = Number.parseInt(colour.slice(start, start + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * red! + 0.7152 * green! + 0.0722 * blue!;
  };
  const [lighter, darker] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (lighter! + 0.05) / (darker! + 0.05);
}
