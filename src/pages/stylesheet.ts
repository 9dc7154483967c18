/**
 * The one stylesheet of every page people see: hosted pages, contact cards, status pages and the
 * pairing demo. Served from /assets (see assets.ts) so every page's CSP stays `style-src 'self'`;
 * a code's own colours arrive as one hashed `:root{…}` rule (theme.ts) that overrides the four
 * colour tokens below, and everything else is derived from them here.
 *
 * Contrast: text is only ever drawn as --fg on --bg or --on-primary on --primary, and theme.ts
 * picks --fg and --on-primary (black or white) for contrast, so any colour an owner picks stays
 * readable. That is why there is no grey "muted" text: a blend of two colours loses contrast on
 * mid-tone backgrounds. Secondary text is told apart by size, weight and case instead; blends
 * (--line, --tint) only draw borders and decoration.
 *
 * Every user string may be one unbroken 10,000-character word, so everything wraps anywhere; user
 * text is bidi-isolated (`dir="auto"` / `<bdi>`) so a right-to-left override cannot reorder what
 * surrounds it.
 */
export const PAGE_CSS = `*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f9fafb;--fg:#000000;--primary:#0e7490;--on-primary:#ffffff;--line:color-mix(in srgb,var(--fg) 16%,var(--bg));--tint:color-mix(in srgb,var(--primary) 16%,var(--bg));--ring:color-mix(in srgb,var(--on-primary) 35%,var(--primary));--ok:#15803d;--paused:#b45309;--radius:1rem;--font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;color-scheme:light}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--fg);font:1rem/1.55 var(--font);overflow-wrap:anywhere;word-break:break-word}
button{font:inherit;color:inherit}
[hidden]{display:none!important}
h1,h2,p{margin:0}
h1{font-size:1.75rem;line-height:1.2;letter-spacing:-.01em}
h2{font-size:1.125rem;line-height:1.3}
[dir=auto],bdi{unicode-bidi:isolate}
a{color:inherit;text-decoration-thickness:.08em;text-underline-offset:.2em}
a:focus-visible,button:focus-visible{outline:3px solid var(--fg);outline-offset:3px;border-radius:.25rem}
code{font-family:var(--mono);font-size:.9em}

main{position:relative;max-width:36rem;min-width:0;margin:0 auto;background:var(--bg);display:flex;flex-direction:column}
@media (min-width:40rem){
body{padding:3rem 1.5rem}
body::before{content:"";position:absolute;inset:0 0 auto;height:17rem;background:var(--tint)}
main{border:1px solid var(--line);border-radius:1.5rem;overflow:hidden;box-shadow:0 1px 2px rgb(0 0 0/.06),0 18px 40px -12px rgb(0 0 0/.22)}
}

.masthead{background:var(--primary);color:var(--on-primary);padding:2rem 1.25rem 1.75rem;display:flex;flex-direction:column;align-items:center;gap:.75rem;text-align:center;min-width:0}
.masthead a:focus-visible,.masthead button:focus-visible{outline-color:var(--on-primary)}
.kicker{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.08em}
.lede{font-size:1.05rem}
.hero{display:block;width:auto;height:auto;max-width:100%;max-height:min(50vh,20rem);border-radius:var(--radius);background:var(--bg);box-shadow:0 0 0 4px var(--ring),0 8px 24px -8px rgb(0 0 0/.4)}
.avatar{display:grid;place-items:center;width:4.5rem;height:4.5rem;border-radius:50%;background:var(--bg);color:var(--fg);font-size:1.6rem;font-weight:700;box-shadow:0 0 0 4px var(--ring)}
.content{padding:1.5rem 1.25rem 2rem;display:flex;flex-direction:column;gap:1.25rem;min-width:0}
@media (min-width:40rem){
.masthead{padding:2.5rem 2rem 2rem}
.content{padding:2rem}
h1{font-size:2rem}
}

.body{white-space:pre-wrap;font-size:1.0625rem;line-height:1.65}
.note{font-size:.9rem}
.meta{padding-top:1rem;border-top:1px solid var(--line);font-size:.85rem;text-align:center}
.actions,.links{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.75rem}
.button{display:flex;align-items:center;gap:.75rem;width:100%;min-width:0;min-height:3.25rem;padding:.75rem 1.125rem;border:2px solid transparent;border-radius:.875rem;background:var(--primary);color:var(--on-primary);font:inherit;font-weight:600;line-height:1.35;text-align:start;text-decoration:none;cursor:pointer;box-shadow:0 1px 2px rgb(0 0 0/.14);transition:transform .12s ease,box-shadow .12s ease}
.button:hover{transform:translateY(-1px);box-shadow:0 8px 18px -8px rgb(0 0 0/.45)}
.button:focus-visible{outline:3px solid var(--fg);outline-offset:3px;border-radius:.875rem}
.button.secondary{background:transparent;color:var(--fg);border-color:var(--line);box-shadow:none}
.button.inert{background:transparent;color:var(--fg);border:2px dashed var(--line);font-weight:400;box-shadow:none;cursor:default;transform:none}
.button.center{justify-content:center;text-align:center}
.unlock{display:grid;gap:.75rem}.unlock label{font-weight:600}.unlock input{font:inherit;min-height:3rem;padding:.625rem .875rem;border:2px solid var(--line);border-radius:.75rem;background:var(--bg);color:var(--fg);width:100%}.unlock input:focus-visible{outline:3px solid var(--fg);outline-offset:2px}.unlock .error{margin:0;color:var(--fg);font-weight:600}
.button img{width:2.5rem;height:2.5rem;flex:none;object-fit:cover;border-radius:.5rem;background:var(--bg)}
.button span,.button bdi{min-width:0}
.links a.button::after{content:"\\2197"/"";margin-inline-start:auto;padding-inline-start:.5rem;flex:none}
.links .button{min-height:3.5rem}

dl{margin:0;display:grid;grid-template-columns:minmax(0,1fr)}
dt{font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.08em;padding-top:.875rem;border-top:1px solid var(--line)}
dt:first-child{padding-top:0;border-top:0}
dd{margin:.125rem 0 .875rem}
dd:last-child{margin-bottom:0}
time{font-weight:600}
audio{display:block;width:100%}

.pair{display:flex;flex-direction:column;align-items:center;gap:1rem;text-align:center}
.qr-frame{display:grid;place-items:center;width:min(100%,calc(300px + 1.5rem + 2px));aspect-ratio:1;padding:.75rem;border:1px solid var(--line);border-radius:1.25rem;background:#ffffff;box-shadow:0 10px 30px -14px rgb(0 0 0/.35)}
.qr-frame img{display:block;width:100%;height:auto;image-rendering:pixelated}
.pair[data-state=loading] .qr-frame{background:linear-gradient(100deg,#ffffff 30%,var(--tint) 50%,#ffffff 70%) 0 0/300% 100%;animation:shimmer 1.4s linear infinite}
@keyframes shimmer{to{background-position:-150% 0}}
.pair:is([data-state=connected],[data-state=paused],[data-state=error]) .qr-frame{display:none}
.lifetime{display:none;width:min(100%,12rem);height:.375rem;border-radius:1rem;background:var(--line);overflow:hidden}
.pair[data-state=waiting] .lifetime{display:block}
#lifetime{height:100%;background:var(--primary);transform-origin:left center}
.status{font-size:1.0625rem;max-width:26rem}
.pair:is([data-state=connected],[data-state=paused]) .status{font-size:1.375rem;font-weight:700;line-height:1.3}
.state-art{display:none;place-items:center;width:4.5rem;height:4.5rem;border-radius:50%;color:#ffffff}
.state-art svg{width:2.25rem;height:2.25rem}
.pair[data-state=connected] .state-art.connected{display:grid;background:var(--ok)}
.pair[data-state=paused] .state-art.paused{display:grid;background:var(--paused)}
.pair[data-state=error] .state-art.error{display:grid;background:var(--fg);color:var(--bg)}
.when-waiting,.when-connected,.when-paused{display:none;max-width:26rem}
.pair[data-state=waiting] .when-waiting,.pair[data-state=connected] .when-connected,.pair[data-state=paused] .when-paused{display:block}
.pair .actions{width:100%;max-width:20rem}

@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important}.button:hover{transform:none}.pair[data-state=waiting] .lifetime{display:none}}
@media print{body{padding:0}body::before{display:none}main{border:0;box-shadow:none}.button{box-shadow:none}}
`;
