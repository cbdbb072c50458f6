import SignInPage from "../../../(auth)/sign-in/page";

// The sign-in page without a return address, as a visitor without a session sees it (see ../layout.tsx).
export { metadata } from "../../../(auth)/sign-in/page";
export const dynamic = "force-static";
export const revalidate = 60;

/** Only /sign-in without a query comes here (visitor-page-routes.ts). */
const noQuery = Promise.resolve({});

export default function VisitorSignInPage() {
  return <SignInPage searchParams={noQuery} />;
}
