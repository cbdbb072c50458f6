/** An owner's initials in a circle: organizations have no picture, and owner pages never reveal an address. */
export function OwnerAvatar({ name, kind, size = 56 }: { name: string; kind: "user" | "organization"; size?: number }) {
  const initials =
    name
      .split(/[\s_-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0]!.toUpperCase())
      .join("") || "?";
  return (
    <span
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size / 2.6 }}
      className={`inline-flex shrink-0 items-center justify-center font-bold text-white ${kind === "organization" ? "rounded-lg bg-stone-700" : "rounded-full bg-brand-700"}`}
    >
      {initials}
    </span>
  );
}
