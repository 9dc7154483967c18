import { crc32 } from "../lib/crc32";

/**
 * The pairing demo page's script, served same-origin at a content-hashed path (the page's CSP is
 * `script-src 'self'`, no inline code). The instance token and Client-Token come from the URL's
 * fragment (`#token=…&clientToken=…`), which browsers never send to a server or in a Referer.
 *
 * It shows the current QR image, fetches the next one just before the current one expires (from
 * the answer's `Expires` and `Date` headers, so the visitor's clock does not matter), polls
 * `status` every second to flip to "connected", and offers restart after a pause and disconnect.
 * The page's markup holds every state; this sets `data-state`, the message and the `hidden` flags.
 */
export const PAIR_SCRIPT = `(function () {
  "use strict";
  var root = document.getElementById("pair");
  if (!root) return;
  var instance = root.getAttribute("data-instance") || "";
  var image = document.getElementById("qr");
  var message = document.getElementById("message");
  var restartBox = document.getElementById("restart-box");
  var disconnectBox = document.getElementById("disconnect-box");
  var lifetime = document.getElementById("lifetime");
  var params = new URLSearchParams(location.hash.slice(1));
  var token = params.get("token");
  var clientToken = params.get("clientToken");
  var refreshTimer = null;
  var connected = false;
  var stopped = false;
  var polling = false;

  function show(state, text) {
    root.setAttribute("data-state", state);
    message.textContent = text;
    image.hidden = state !== "waiting";
    restartBox.hidden = state !== "paused";
    disconnectBox.hidden = state !== "connected";
  }

  if (!token || !clientToken) {
    show("error", "Open this page with #token=<instance token>&clientToken=<Client-Token> after its address.");
    return;
  }
  var base = "/instances/" + encodeURIComponent(instance) + "/token/" + encodeURIComponent(token) + "/";

  // The bar under the code empties over the code's lifetime, so a visitor sees it is about to
  // change. Decoration only: without the Web Animations API, or with reduced motion, it stays put.
  function drain(ms) {
    if (!lifetime || typeof lifetime.animate !== "function" || isNaN(ms) || ms <= 0) return;
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    lifetime.animate([{ transform: "scaleX(1)" }, { transform: "scaleX(0)" }], { duration: ms, fill: "forwards" });
  }

  function call(path) {
    return fetch(base + path, { headers: { "Client-Token": clientToken }, cache: "no-store" }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body, headers: response.headers };
      });
    });
  }

  function onConnected() {
    connected = true;
    clearTimeout(refreshTimer);
    image.removeAttribute("src");
    show("connected", "Connected");
  }

  function refresh() {
    clearTimeout(refreshTimer);
    if (connected || stopped) return;
    call("qr-code/image").then(function (answer) {
      if (answer.body.connected === true) return onConnected();
      if (answer.status === 409) return show("paused", "The code expired");
      if (answer.status !== 200) {
        stopped = true;
        return show("error", answer.body.error || "Something went wrong");
      }
      var left = Date.parse(answer.headers.get("Expires") || "") - Date.parse(answer.headers.get("Date") || "");
      if (image.getAttribute("src") !== answer.body.value) {
        image.setAttribute("src", answer.body.value);
        drain(left);
      }
      show("waiting", "Scan this code with the device you want to link.");
      // Ask again a second before this code expires, then every half second until a new one comes.
      refreshTimer = setTimeout(refresh, isNaN(left) ? 5000 : Math.max(500, left - 1000));
    }, function () {
      refreshTimer = setTimeout(refresh, 2000);
    });
  }

  // Status every second while a code is shown or a device is linked; not while paused, so an
  // abandoned screen stops calling the API until someone asks for a new code.
  function poll() {
    if (stopped || root.getAttribute("data-state") === "paused") {
      polling = false;
      return;
    }
    polling = true;
    call("status").then(function (answer) {
      if (answer.status === 200 && answer.body.connected === true) {
        if (!connected) onConnected();
      } else if (answer.status === 200 && connected) {
        connected = false;
        refresh();
      }
    }).catch(function () {}).then(function () {
      setTimeout(poll, 1000);
    });
  }

  document.getElementById("restart").addEventListener("click", function () {
    show("loading", "Loading…");
    call("restart").then(function () {
      refresh();
      if (!polling) setTimeout(poll, 1000);
    });
  });
  document.getElementById("disconnect").addEventListener("click", function () {
    call("disconnect").then(function () {
      connected = false;
      refresh();
    });
  });

  refresh();
  poll();
})();
`;

/** Content-hashed, so the page can let browsers cache the script for a year. */
export const PAIR_SCRIPT_PATH = `/assets/pair-${crc32(PAIR_SCRIPT).toString(16).padStart(8, "0")}.js`;
