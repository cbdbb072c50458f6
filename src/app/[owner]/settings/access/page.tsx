import type { Metadata } from "next";
import { routeParam } from "@/components/route-param";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";
import { TokenManager } from "./token-manager";

export const metadata: Metadata = { title: "Access tokens" };

type Props = { params: Promise<{ owner: string }> };

/** Access tokens of the signed-in account; organizations will get the same page for their own tokens. */
export default async function AccessTokensPage({ params }: Props) {
  const owner = routeParam((await params).owner);
  const { user } = await requireSignedIn(`/${owner}/settings/access`);
  const api = await getServerApi();
  const [scopes, tokens] = await Promise.all([api.tokens.scopes(), api.tokens.list({ owner }).catch(notFoundWhenMissing)]);
  return (
    <div className="space-y-6">
      <div>
        <h1>Access tokens</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          Tokens let package clients, scripts and the <code>granary</code> command line act for you without your password. Give each the
          fewest scopes it needs, restrict it to one channel where you can, and revoke it when it is no longer used. A token&apos;s secret is
          shown once, when it is created.
        </p>
      </div>
      <TokenManager username={user.username} scopes={scopes} tokens={tokens.items} />
    </div>
  );
}
