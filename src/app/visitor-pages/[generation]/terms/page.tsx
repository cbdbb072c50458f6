// The terms as a visitor without a session sees them (see ../layout.tsx).
export { default, metadata } from "../../../terms/page";
export const dynamic = "force-static";
export const revalidate = 60;
