import { useEffect, useState } from "preact/hooks";
import { api, codeImageUrl, problemMessage, type QrCode, type QrCodeType } from "../api";
import { Notice } from "../components/field";
import { CONTENT_TYPES, typeSpec } from "../codes/content-types";
import { navigate } from "../route";

/** GET /qr_codes answers 30 codes a page (src/http/qr-codes/query.ts). */
const PAGE_SIZE = 30;

interface Listing {
  codes: QrCode[];
  total: number;
}

/** The organization's codes: search by name, filter by type, page through; each with its image and scan count. */
export function CodesList({ canWrite }: { canWrite: boolean }) {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [type, setType] = useState<QrCodeType | "">("");
  const [page, setPage] = useState(1);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    api
      .GET("/qr_codes", { params: { query: { page, search: applied || undefined, type: type || undefined } } })
      .then(({ data, error: failure, response }) => {
        if (!current) return;
        if (data) setListing({ codes: data.member, total: data.totalItems });
        else setError(problemMessage(failure, response));
      })
      .catch(() => current && setError("The server could not be reached."));
    return () => {
      current = false;
    };
  }, [page, applied, type]);

  const pages = listing ? Math.max(1, Math.ceil(listing.total / PAGE_SIZE)) : 1;

  return (
    <section aria-labelledby="codes-title">
      <div class="screen-head">
        <h1 id="codes-title">Codes</h1>
        {canWrite ? (
          <a class="button primary" href="#/codes/new">
            New code
          </a>
        ) : null}
      </div>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setApplied(search.trim());
        }}
      >
        <div class="field">
          <label for="codes-search">Search by name</label>
          <input id="codes-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="codes-type">Type</label>
          <select
            id="codes-type"
            value={type}
            onChange={(e) => {
              setPage(1);
              setType(e.currentTarget.value as QrCodeType | "");
            }}
          >
            <option value="">All types</option>
            {CONTENT_TYPES.map((spec) => (
              <option value={spec.type} key={spec.type}>
                {spec.label}
              </option>
            ))}
          </select>
        </div>
        <button class="button" type="submit">
          Search
        </button>
        {/* A plain link: the session cookie authorizes it and the browser saves the streamed file. */}
        <a class="button" href={`/qr_codes/export?${new URLSearchParams({ format: "csv", ...(applied ? { search: applied } : {}), ...(type ? { type } : {}) }).toString()}`} download>
          Export CSV
        </a>
      </form>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {listing === null && !error ? <p aria-live="polite">Loading…</p> : null}
      {listing && listing.codes.length === 0 ? (
        <p class="empty">{applied || type ? "No code matches." : canWrite ? "No codes yet. Create your first one." : "No codes yet."}</p>
      ) : null}
      {listing && listing.codes.length > 0 ? (
        <ul class="code-list" aria-label={`Codes, page ${page} of ${pages}`}>
          {listing.codes.map((code) => (
            <li class="code-row" key={code.id} data-code-id={code.id}>
              <img class="thumb" src={codeImageUrl(code.id)} alt={`QR code of ${code.name}`} width={64} height={64} loading="lazy" />
              <div class="code-main">
                <a class="code-name" href={`#/codes/${encodeURIComponent(code.id)}`}>
                  {code.name}
                </a>
                <span class="muted">
                  {typeSpec(code.type).label}
                  {code.attributes.dynamicUrl ? ` · ${code.attributes.dynamicUrl}` : ""}
                </span>
              </div>
              <div class="scan-count" data-scans={code.analytics.scans}>
                <strong>{code.analytics.scans.toLocaleString()}</strong> <span class="muted">{code.analytics.scans === 1 ? "scan" : "scans"}</span>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {listing && pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          <button class="button" type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {pages} ({listing.total} codes)
          </span>
          <button class="button" type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}

export const openCode = (id: string) => navigate(`/codes/${encodeURIComponent(id)}`);
