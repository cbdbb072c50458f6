import { Body, Container, Head, Heading, Hr, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

const styles = {
  body: { backgroundColor: "#f5f5f4", fontFamily: "-apple-system, Segoe UI, Helvetica, Arial, sans-serif", color: "#1c1917" },
  container: { backgroundColor: "#ffffff", margin: "32px auto", padding: "32px", maxWidth: "560px", borderRadius: "8px" },
  heading: { fontSize: "20px", fontWeight: 600, margin: "0 0 16px" },
  footer: { fontSize: "12px", color: "#78716c" },
};

export function EmailLayout({ preview, heading, children }: { preview: string; heading: string; children: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Heading as="h1" style={styles.heading}>
            {heading}
          </Heading>
          <Section>{children}</Section>
          <Hr />
          <Text style={styles.footer}>
            Sent by Granary. If you did not expect this message, you can ignore it; nothing changes unless you act on it.
          </Text>
        </Container>
      </Body>
    </Html>
  );
}

export const buttonStyle = {
  backgroundColor: "#15803d",
  color: "#ffffff",
  padding: "10px 18px",
  borderRadius: "6px",
  textDecoration: "none",
  fontWeight: 600,
};
