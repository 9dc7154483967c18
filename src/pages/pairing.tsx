import type { Child, FC } from "hono/jsx";
import { documentOf, Layout } from "./layout";
import { Content, Masthead } from "./parts";
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

/** A state's picture: a stroke icon in a coloured disc, decorative (the message says it in words). */
const StateArt: FC<{ state: "connected" | "paused" | "error"; children?: Child }> = ({ state, children }) => (
  <span class={`state-art ${state}`} aria-hidden="true">
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round">
      {children}
    </svg>
  </span>
);

/**
 * Every state is in the markup; the script sets `data-state` (loading, waiting, connected, paused,
 * error), the message and the `hidden` flags, and the stylesheet shows what belongs to the state.
 */
const PairPage: FC<{ instanceId: string }> = ({ instanceId }) => (
  <Layout title="Link a device">
    <Masthead title="Link a device">
      <p class="lede">Pair a phone or tablet with this screen.</p>
    </Masthead>
    <Content>
      <section id="pair" class="pair" data-instance={instanceId} data-state="loading">
        <div class="qr-frame">
          <img id="qr" width="300" height="300" alt="Pairing QR code" hidden />
        </div>
        <div class="lifetime" aria-hidden="true">
          <div id="lifetime"></div>
        </div>
        <StateArt state="connected">
          <path d="M5 12.5l4.5 4.5L19 7.5" />
        </StateArt>
        <StateArt state="paused">
          <circle cx="12" cy="12" r="8.5" />
          <path d="M12 7.5V12l3 2" />
        </StateArt>
        <StateArt state="error">
          <path d="M12 6.5v7" />
          <path d="M12 17.5h.01" />
        </StateArt>
        <p id="message" class="status" role="status">
          Loading…
        </p>
        <p class="when-waiting note">The code changes every 20 seconds; this page keeps it current.</p>
        <p class="when-connected">This screen is linked to the device until you disconnect it, here or on the device.</p>
        <p class="when-paused">No device scanned it in time, so this screen stopped making new ones. Ask for a new code when the device is ready.</p>
        <div id="restart-box" class="actions" hidden>
          <button type="button" class="button center" id="restart">
            Show a new code
          </button>
        </div>
        <div id="disconnect-box" class="actions" hidden>
          <button type="button" class="button secondary center" id="disconnect">
            Disconnect
          </button>
        </div>
      </section>
      <p class="meta">
        Instance <code>{instanceId}</code>
      </p>
    </Content>
    <script src={PAIR_SCRIPT_PATH} defer></script>
  </Layout>
);

export const pairPage = (instanceId: string): string => documentOf(<PairPage instanceId={instanceId} />);
