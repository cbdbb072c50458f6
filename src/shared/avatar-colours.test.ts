import { describe, expect, it } from "vitest";
import { avatarColour, avatarColours, avatarInitials, contrastRatio } from "./avatar-colours";

describe("generated avatars", () => {
  it("give white initials a WCAG AA contrast on every colour", () => {
    for (const colour of avatarColours) expect(contrastRatio("#ffffff", colour), colour).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBe(1);
  });

  it("pick the same colour for a name whatever its case, and spread names over the colours", () => {
    expect(avatarColour("Ada")).toBe(avatarColour("ada"));
    const used = new Set(Array.from({ length: 200 }, (_, index) => avatarColour(`user${index}`)));
    expect(used.size).toBe(avatarColours.length);
  });

  it("take the initials of the first two words", () => {
    expect(avatarInitials("ada-lovelace")).toBe("AL");
    expect(avatarInitials("Grace Hopper")).toBe("GH");
    expect(avatarInitials("numpy")).toBe("N");
    expect(avatarInitials("")).toBe("?");
  });
});
