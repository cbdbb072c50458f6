import { Button, Link, Text } from "@react-email/components";
import type { ReactElement } from "react";
import { buttonStyle, EmailLayout } from "./layout";

/** Each template: its subject and its body, from typed properties. */
export const emailTemplates = {
  usernameReminder: (props: { usernames: string[]; signInUrl: string }) => ({
    subject: "Your Granary username",
    body: (
      <EmailLayout preview="Your Granary username" heading="Your username">
        <Text>
          {props.usernames.length === 1 ? "The account registered to this address is:" : "The accounts registered to this address are:"}
        </Text>
        {props.usernames.map((username) => (
          <Text key={username} style={{ fontSize: "18px", fontWeight: 600 }}>
            {username}
          </Text>
        ))}
        <Button href={props.signInUrl} style={buttonStyle}>
          Sign in
        </Button>
      </EmailLayout>
    ),
  }),
  passwordReset: (props: { username: string; resetUrl: string; expiresInHours: number }) => ({
    subject: "Reset your Granary password",
    body: (
      <EmailLayout preview="Reset your Granary password" heading="Reset your password">
        <Text>Hello {props.username}, someone asked to reset the password of your Granary account.</Text>
        <Button href={props.resetUrl} style={buttonStyle}>
          Choose a new password
        </Button>
        <Text>
          Or open this address: <Link href={props.resetUrl}>{props.resetUrl}</Link>
        </Text>
        <Text>
          The link works once and expires in {props.expiresInHours} hours. If you did not ask for it, ignore this message: your
          password stays as it is.
        </Text>
      </EmailLayout>
    ),
  }),
  confirmEmailChange: (props: { username: string; confirmUrl: string; newEmail: string; expiresInHours: number }) => ({
    subject: "Confirm your new Granary e-mail address",
    body: (
      <EmailLayout preview="Confirm your new e-mail address" heading="Confirm your new e-mail address">
        <Text>
          Hello {props.username}, confirm that {props.newEmail} should become the e-mail address of your Granary account.
        </Text>
        <Button href={props.confirmUrl} style={buttonStyle}>
          Confirm this address
        </Button>
        <Text>
          Or open this address: <Link href={props.confirmUrl}>{props.confirmUrl}</Link>
        </Text>
        <Text>The link works once and expires in {props.expiresInHours} hours.</Text>
      </EmailLayout>
    ),
  }),
  passwordChanged: (props: { username: string; securityUrl: string }) => ({
    subject: "Your Granary password was changed",
    body: (
      <EmailLayout preview="Your Granary password was changed" heading="Your password was changed">
        <Text>
          Hello {props.username}, the password of your Granary account was just changed and every other session was signed out.
        </Text>
        <Text>
          If this was not you, reset your password at once and review your <Link href={props.securityUrl}>security history</Link>.
        </Text>
      </EmailLayout>
    ),
  }),
  emailChanged: (props: { username: string; newEmail: string }) => ({
    subject: "Your Granary e-mail address was changed",
    body: (
      <EmailLayout preview="Your Granary e-mail address was changed" heading="Your e-mail address was changed">
        <Text>
          Hello {props.username}, the e-mail address of your Granary account is now {props.newEmail}. Messages will no longer come to
          this address.
        </Text>
        <Text>If this was not you, contact your site administrator.</Text>
      </EmailLayout>
    ),
  }),
  tokenCreated: (props: {
    username: string;
    tokenName: string;
    scopes: string[];
    channel: string | null;
    expiresOn: string;
    ipAddress: string;
    tokensUrl: string;
  }) => ({
    subject: `A new Granary access token: ${props.tokenName}`,
    body: (
      <EmailLayout preview={`A new access token, ${props.tokenName}, was created`} heading="A new access token was created">
        <Text>
          Hello {props.username}, an access token named <strong>{props.tokenName}</strong> was just created for your Granary account
          from the address {props.ipAddress}.
        </Text>
        <Text>
          Scopes: {props.scopes.join(", ")}
          <br />
          {props.channel ? `Restricted to the channel ${props.channel}.` : "Not restricted to a channel."}
          <br />
          Expires on {props.expiresOn}.
        </Text>
        <Text>
          If you did not create it, revoke it at once on your <Link href={props.tokensUrl}>access tokens</Link> page and change your
          password.
        </Text>
      </EmailLayout>
    ),
  }),
  tokenLeaked: (props: { username: string; tokens: { name: string; url: string | null; source: string | null }[]; tokensUrl: string }) => {
    const [only] = props.tokens;
    const subject =
      props.tokens.length === 1 && only
        ? `Your Granary access token ${only.name} was found in public and revoked`
        : `${props.tokens.length} of your Granary access tokens were found in public and revoked`;
    return {
      subject,
      body: (
        <EmailLayout preview={subject} heading={props.tokens.length === 1 ? "A leaked access token was revoked" : "Leaked access tokens were revoked"}>
          <Text>
            Hello {props.username}, {props.tokens.length === 1 ? "this access token was" : "these access tokens were"} reported as
            publicly exposed, so {props.tokens.length === 1 ? "it has" : "they have"} been revoked:{" "}
            {props.tokens.length === 1 ? "it no longer works" : "they no longer work"} anywhere.
          </Text>
          {props.tokens.map((token, index) => (
            <Text key={index}>
              <strong>{token.name}</strong>
              {token.source ? `, reported by ${token.source}` : ""}
              {/* Plain text, not a link: whoever reports a token chooses this address. */}
              {token.url ? `, found at this address: ${token.url}` : ""}
            </Text>
          ))}
          <Text>
            Remove {props.tokens.length === 1 ? "it" : "them"} from where {props.tokens.length === 1 ? "it was" : "they were"} published,
            and create {props.tokens.length === 1 ? "a replacement" : "replacements"} on your <Link href={props.tokensUrl}>access tokens</Link>{" "}
            page (keep the new ones out of source code).
          </Text>
        </EmailLayout>
      ),
    };
  },
  confirmEmail: (props: { username: string; confirmUrl: string; expiresInHours: number }) => ({
    subject: "Confirm your Granary e-mail address",
    body: (
      <EmailLayout preview="Confirm your e-mail address" heading="Confirm your e-mail address">
        <Text>Hello {props.username}, welcome to Granary. Confirm that this is your address, so it can be used to recover your account.</Text>
        <Button href={props.confirmUrl} style={buttonStyle}>
          Confirm my address
        </Button>
        <Text>
          Or open this address: <Link href={props.confirmUrl}>{props.confirmUrl}</Link>
        </Text>
        <Text>The link expires in {props.expiresInHours} hours. If you did not sign up, ignore this message.</Text>
      </EmailLayout>
    ),
  }),
  addedToOrganization: (props: { username: string; organization: string; role: string; addedBy: string; organizationUrl: string }) => ({
    subject: `You were added to ${props.organization} on Granary`,
    body: (
      <EmailLayout preview={`You were added to ${props.organization}`} heading={`Welcome to ${props.organization}`}>
        <Text>
          Hello {props.username}, {props.addedBy} added you to the organization <strong>{props.organization}</strong> as {props.role}.
        </Text>
        <Button href={props.organizationUrl} style={buttonStyle}>
          Open {props.organization}
        </Button>
      </EmailLayout>
    ),
  }),
  addedToGroup: (props: { username: string; organization: string; group: string; level: string; addedBy: string; groupsUrl: string }) => ({
    subject: `You were added to the group ${props.group} of ${props.organization}`,
    body: (
      <EmailLayout preview={`You were added to ${props.organization}/${props.group}`} heading="You joined a group">
        <Text>
          Hello {props.username}, {props.addedBy} added you to the group <strong>{props.group}</strong> of {props.organization}, with{" "}
          {props.level} access.
        </Text>
        <Button href={props.groupsUrl} style={buttonStyle}>
          See your groups
        </Button>
      </EmailLayout>
    ),
  }),
  organizationDeleted: (props: { username: string; organization: string; deletedBy: string; packages: number }) => ({
    subject: `The organization ${props.organization} was deleted`,
    body: (
      <EmailLayout preview={`${props.organization} was deleted`} heading={`${props.organization} was deleted`}>
        <Text>
          Hello {props.username}, {props.deletedBy} deleted the organization <strong>{props.organization}</strong>, which you
          administered, with its {props.packages} package{props.packages === 1 ? "" : "s"}, groups and tokens.
        </Text>
        <Text>If this was not expected, contact the site&apos;s administrators: the security log keeps the record.</Text>
      </EmailLayout>
    ),
  }),
  packageTransferred: (props: { username: string; packageName: string; from: string; to: string; by: string; packageUrl: string }) => ({
    subject: `${props.from}/${props.packageName} now belongs to ${props.to}`,
    body: (
      <EmailLayout preview={`${props.packageName} moved to ${props.to}`} heading="A package changed owner">
        <Text>
          Hello {props.username}, {props.by} transferred the package <strong>{props.packageName}</strong> from {props.from} to {props.to}.
          Its files, labels, stars and download counts moved with it; the old address redirects to the new one.
        </Text>
        <Button href={props.packageUrl} style={buttonStyle}>
          Open the package
        </Button>
      </EmailLayout>
    ),
  }),
  tokenExpiring: (props: { username: string; tokenName: string; expiresOn: string; daysLeft: number; tokensUrl: string }) => ({
    subject: `Your Granary access token ${props.tokenName} expires ${props.daysLeft <= 1 ? "tomorrow" : `in ${props.daysLeft} days`}`,
    body: (
      <EmailLayout preview={`Access token ${props.tokenName} expires on ${props.expiresOn}`} heading="An access token expires soon">
        <Text>
          Hello {props.username}, your access token <strong>{props.tokenName}</strong> expires on {props.expiresOn}. After that, the
          clients and scripts that use it stop working.
        </Text>
        <Text>
          If it is still needed, create a replacement on your <Link href={props.tokensUrl}>access tokens</Link> page and put it
          where this one is used; otherwise there is nothing to do.
        </Text>
      </EmailLayout>
    ),
  }),
  licenseEnding: (props: { username: string; company: string; endDate: string; daysRemaining: number; licenseUrl: string }) => {
    const ended = props.daysRemaining < 0;
    const when = ended ? `ended on ${props.endDate}` : props.daysRemaining === 0 ? "ends today" : `ends in ${props.daysRemaining === 1 ? "1 day" : `${props.daysRemaining} days`}, on ${props.endDate}`;
    return {
      subject: `The Granary license ${ended ? "has ended" : props.daysRemaining <= 1 ? "ends tomorrow" : `ends in ${props.daysRemaining} days`}`,
      body: (
        <EmailLayout preview={`The Granary license for ${props.company} ${when}`} heading={ended ? "The Granary license has ended" : "The Granary license ends soon"}>
          <Text>
            Hello {props.username}, the Granary license for {props.company} {when}. Granary keeps working and nobody is locked out, but the
            server runs without a current license{ended ? "" : " after that"}.
          </Text>
          <Text>
            Upload a renewed license on the <Link href={props.licenseUrl}>License</Link> page of the admin panel.
          </Text>
        </EmailLayout>
      ),
    };
  },
  dailyReport: (props: {
    username: string;
    from: string;
    until: string;
    users: { new: number; total: number };
    packages: { new: number; total: number };
    organizations: { new: number; total: number };
    downloads: number;
    actions: Array<{ label: string; count: number }>;
    reportUrl: string;
  }) => ({
    subject: `Granary daily report for ${props.from === props.until ? props.from : `${props.from} to ${props.until}`}`,
    body: (
      <EmailLayout preview={`${props.users.new} new users, ${props.packages.new} new packages`} heading={`Daily report for ${props.from === props.until ? props.from : `${props.from} to ${props.until}`} (UTC)`}>
        <Text>Hello {props.username}, here is what happened on Granary.</Text>
        <Text>
          Users: {props.users.new} new, {props.users.total} in total.
          <br />
          Packages: {props.packages.new} new, {props.packages.total} in total.
          <br />
          Organizations: {props.organizations.new} new, {props.organizations.total} in total.
          <br />
          Downloads: {props.downloads}.
        </Text>
        {props.actions.length > 0 ? (
          <Text>
            Actions in the audit trail:
            {props.actions.map((action) => (
              <span key={action.label}>
                <br />
                {action.count} × {action.label}
              </span>
            ))}
          </Text>
        ) : (
          <Text>No actions were recorded in the audit trail.</Text>
        )}
        <Button href={props.reportUrl} style={buttonStyle}>
          Open the report
        </Button>
        <Text>You get this e-mail because you turned on &quot;E-mail me the daily report&quot; on the Daily Report page; turn it off there.</Text>
      </EmailLayout>
    ),
  }),
  testEmail: (props: { sentBy: string; transport: string }) => ({
    subject: "Granary test e-mail",
    body: (
      <EmailLayout preview="Mail from Granary works" heading="Mail from Granary works">
        <Text>
          {props.sentBy} sent this test from Admin → Notification, through {props.transport}. If you can read it, Granary can send
          e-mail.
        </Text>
      </EmailLayout>
    ),
  }),
} satisfies Record<string, (props: never) => { subject: string; body: ReactElement }>;

/** Template properties that carry a secret (a link that works once): sealed in the delivery job's stored input. */
export const secretEmailProps: { [Name in keyof typeof emailTemplates]?: readonly string[] } = {
  passwordReset: ["resetUrl"],
  confirmEmailChange: ["confirmUrl"],
};

export type EmailTemplateName = keyof typeof emailTemplates;
export type EmailTemplateProps<Name extends EmailTemplateName> = Parameters<(typeof emailTemplates)[Name]>[0];
