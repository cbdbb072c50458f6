// The home page as a visitor without a session sees it (see ./layout.tsx).
export { default } from "../../page";
export const dynamic = "force-static";
export const revalidate = 60;
