import type { FC } from "hono/jsx";
import { documentOf, Layout } from "./layout";
import { PAIR_SCRIPT_PATH } from "./pairing-script";

/**
 * The pairing demo page (`/instances/{instance}/pair`): the instance's QR code, replaced before it
 * expires, and "Connected" once a device confirms. The page itself holds no secret and reveals
 * nothing about the instance; its script reads the tokens from the URL's fragment.
 */

/** The hosted pages' policy, plus `data:` images (the API answers data URLs) and same-origin fetch. */
export const PAIR_PAGE_CSP = [
  "default-src 'none'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PairPage: FC<{ instanceId: string }> = ({ instanceId }) => (
  <Layout title="Link a device">
    <h1>Link a device</h1>
    <section id="pair" data-instance={instanceId} data-state="loading" aria-live="polite">
      <p id="message" class="note">
        Loading…
      </p>
      <img id="qr" width="300" height="300" alt="Pairing QR code" hidden />
      <div id="restart-box" hidden>
        <button type="button" class="button" id="restart">
          Show a new code
        </button>
      </div>
      <div id="disconnect-box" hidden>
        <button type="button" class="button inert" id="disconnect">
          Disconnect
        </button>
      </div>
    </section>
    <p class="note">Instance {instanceId}</p>
    <script src={PAIR_SCRIPT_PATH} defer></script>
  </Layout>
);

export const pairPage = (instanceId: string): string => documentOf(<PairPage instanceId={instanceId} />);
