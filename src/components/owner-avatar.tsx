import { avatarColour, avatarInitials } from "@/shared/avatar-colours";

/**
 * An owner's avatar, drawn from its name on the server (avatar-colours.ts): no picture is fetched from anywhere,
 * and owner pages never reveal an address. Organizations get a square, people a circle.
 */
export function OwnerAvatar({ name, kind, size = 56 }: { name: string; kind: "user" | "organization"; size?: number }) {
  return (
    <span
      aria-hidden="true"
      data-testid="generated-avatar"
      style={{ width: size, height: size, fontSize: Math.max(11, Math.round(size / 2.6)), backgroundColor: avatarColour(name) }}
      className={`inline-flex shrink-0 items-center justify-center font-bold text-white select-none ${kind === "organization" ? "rounded-lg" : "rounded-full"}`}
    >
      {avatarInitials(name)}
    </span>
  );
}
