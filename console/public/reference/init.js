// Configures Scalar's API reference (served at /docs and /console/reference/) for this origin's
// document. A file, not an inline script: the page's CSP allows scripts from 'self' only.
// Nothing may leave the origin: no web fonts from fonts.scalar.com (withDefaultFonts), no
// request proxy at proxy.scalar.com (proxyUrl left out), no telemetry.
// The document's URL is the page's (data-url), so this file never changes with it.
const root = document.getElementById("api-reference-root");
window.Scalar.createApiReference(root, {
  url: root.dataset.url,
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
  metaData: { title: "edge-qr API reference" },
});
