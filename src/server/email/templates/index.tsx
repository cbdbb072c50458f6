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
  tokenLeaked: (props: { username: string; tokenName: string; url: string | null; source: string | null; tokensUrl: string }) => ({
    subject: `Your Granary access token ${props.tokenName} was found in public and revoked`,
    body: (
      <EmailLayout preview={`Access token ${props.tokenName} was revoked`} heading="A leaked access token was revoked">
        <Text>
          Hello {props.username}, your access token <strong>{props.tokenName}</strong> was reported as publicly exposed
          {props.source ? ` by ${props.source}` : ""}, so it has been revoked: it no longer works anywhere.
        </Text>
        {props.url ? (
          // Plain text, not a link: whoever reports a token chooses this address.
          <Text>It was reported at this address: {props.url}</Text>
        ) : null}
        <Text>
          Remove it from where it was published, and create a replacement on your <Link href={props.tokensUrl}>access tokens</Link>{" "}
          page (keep the new one out of source code).
        </Text>
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
} satisfies Record<string, (props: never) => { subject: string; body: ReactElement }>;

/** Template properties that carry a secret (a link that works once): sealed in the delivery job's stored input. */
export const secretEmailProps: { [Name in keyof typeof emailTemplates]?: readonly string[] } = {
  passwordReset: ["resetUrl"],
  confirmEmailChange: ["confirmUrl"],
};

export type EmailTemplateName = keyof typeof emailTemplates;
export type EmailTemplateProps<Name extends EmailTemplateName> = Parameters<(typeof emailTemplates)[Name]>[0];
