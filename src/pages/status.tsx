import type { FC } from "hono/jsx";
import { documentOf, Layout } from "./layout";
import { Content, Masthead } from "./parts";

/**
 * The small pages a visitor sees when a short link or hosted page leads nowhere: the shared layout
 * and stylesheet, no theme, no script, nothing about the code.
 */
const StatusPage: FC<{ title: string; message: string }> = ({ title, message }) => (
  <Layout title={title}>
    <Masthead title={title} />
    <Content>
      <p>{message}</p>
    </Content>
  </Layout>
);

export const notFoundPage = () => documentOf(<StatusPage title="This QR code leads nowhere" message="The link is unknown or was removed by its owner. Check that you scanned the whole code." />);

export const inactivePage = (reason: "not-yet" | "expired" | "exhausted") =>
  documentOf(
    <StatusPage
      title={reason === "not-yet" ? "This QR code is not active yet" : "This QR code is no longer active"}
      message={reason === "not-yet" ? "Its owner scheduled it for later. Try again when the campaign starts." : "Its owner ended it, or it reached the number of scans it was made for."}
    />,
  );

/** A dependency (the link store, a scan limiter) cannot answer: people are told to retry, never shown a crash. */
export const unavailablePage = () =>
  documentOf(<StatusPage title="This QR code is briefly unavailable" message="We could not look it up just now. Please try again in a minute." />);
