import { useEffect, useState } from "preact/hooks";
import { api, codeImageUrl, type components, problemMessage, type QrCode, type QrCodeType } from "../api";
import { Notice } from "../components/field";
import { CONTENT_TYPES, typeSpec } from "../codes/content-types";
import { navigate } from "../route";

/** GET /qr_codes answers 30 codes a page (src/http/qr-codes/query.ts). */
const PAGE_SIZE = 30;
/** GET /qr_codes/tags answers 100 tags a page, in name order (src/http/qr-codes/tags.ts); the filter offers the first page. */
const TAGS_PAGE_SIZE = 100;
/** The API combines at most 10 ?tag= filters. */
const MAX_TAG_FILTERS = 10;

type TagCount = components["schemas"]["TagCount"];

interface Listing {
  codes: QrCode[];
  total: number;
}

/**
 * The list's filters, read from the route's query (#/codes?search=…&type=…&tag=a&tag=b&page=2) so
 * a filtered list survives a reload and can be shared as a link; changing one writes the URL.
 */
interface Filters {
  search: string;
  type: QrCodeType | "";
  tags: string[];
  page: number;
}

function filtersOf(query: URLSearchParams): Filters {
  const page = Number(query.get("page"));
  const type = query.get("type") ?? "";
  return {
    search: query.get("search") ?? "",
    type: CONTENT_TYPES.some((spec) => spec.type === type) ? (type as QrCodeType) : "",
    tags: [...new Set(query.getAll("tag").filter(Boolean))].slice(0, MAX_TAG_FILTERS),
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The API's query for these filters (the listing's and the export's: the same names, tag repeated). */
function apiQuery(filters: Filters, withPage: boolean): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.search) query.set("search", filters.search);
  if (filters.type) query.set("type", filters.type);
  for (const tag of filters.tags) query.append("tag", tag);
  if (withPage && filters.page > 1) query.set("page", String(filters.page));
  return query;
}

const showFilters = (filters: Filters) => {
  const query = apiQuery(filters, true).toString();
  navigate(query ? `/codes?${query}` : "/codes");
};

/** The export of every code the filters select: a plain link the session cookie authorizes, saved by the browser as it streams. */
export function codesExportUrl(filters: Pick<Filters, "search" | "type" | "tags">, format: "csv" | "jsonl"): string {
  const query = apiQuery({ ...filters, page: 1 }, false);
  query.set("format", format);
  return `/qr_codes/export?${query.toString()}`;
}

/** The organization's tags with their counts, as checkboxes: each checked one narrows the list (a code must carry all of them). */
function TagFilter({ selected, onChange }: { selected: string[]; onChange: (tags: string[]) => void }) {
  const [tags, setTags] = useState<{ member: TagCount[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .GET("/qr_codes/tags")
      .then(({ data, error: failure, response }) => (data ? setTags({ member: data.member, total: data.totalItems }) : setError(problemMessage(failure, response))))
      .catch(() => setError("The tags could not be loaded."));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!tags) return null;
  // A tag from the URL that the first page does not list (or no code carries any more) stays visible, so it can be unchecked.
  const listed = new Set(tags.member.map((t) => t.tag));
  const options: TagCount[] = [...tags.member, ...selected.filter((tag) => !listed.has(tag)).map((tag) => ({ tag, codes: 0 }))];
  if (options.length === 0) return null;
  const full = selected.length >= MAX_TAG_FILTERS;
  return (
    <fieldset class="tag-filter" aria-describedby="tag-filter-hint">
      <legend>Tags</legend>
      <p class="hint" id="tag-filter-hint">
        Codes carrying every tag checked{full ? ` (at most ${MAX_TAG_FILTERS} at once)` : ""}.
        {tags.total > TAGS_PAGE_SIZE ? ` The first ${TAGS_PAGE_SIZE} of ${tags.total} tags, by name.` : ""}
      </p>
      <ul>
        {options.map(({ tag, codes }) => {
          const checked = selected.includes(tag);
          const id = `tag-filter-${encodeURIComponent(tag)}`;
          return (
            <li key={tag}>
              <input id={id} type="checkbox" checked={checked} disabled={!checked && full} onChange={() => onChange(checked ? selected.filter((t) => t !== tag) : [...selected, tag])} />
              <label for={id}>
                {tag} <span class="muted">({codes})</span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/** The organization's codes: search by name, filter by type and tags, page through, export what is selected; each with its image, tags and scan count. */
export function CodesList({ canWrite, query }: { canWrite: boolean; query: URLSearchParams }) {
  const queryKey = query.toString();
  const filters = filtersOf(query);
  const { type, page } = filters;
  const [search, setSearch] = useState(filters.search);
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const filtered = Boolean(filters.search || type || filters.tags.length > 0);

  // The search box follows the URL (back, a shared link), and is a draft until submitted.
  useEffect(() => setSearch(filters.search), [filters.search]);

  useEffect(() => {
    let current = true;
    setError(null);
    api
      .GET("/qr_codes", { params: { query: { page, search: filters.search || undefined, type: type || undefined, tag: filters.tags.length > 0 ? filters.tags : undefined } } })
      .then(({ data, error: failure, response }) => {
        if (!current) return;
        if (data) setListing({ codes: data.member, total: data.totalItems });
        else setError(problemMessage(failure, response));
      })
      .catch(() => current && setError("The server could not be reached."));
    return () => {
      current = false;
    };
  }, [queryKey]);

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
          showFilters({ ...filters, search: search.trim(), page: 1 });
        }}
      >
        <div class="field">
          <label for="codes-search">Search by name</label>
          <input id="codes-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="codes-type">Type</label>
          <select id="codes-type" value={type} onChange={(e) => showFilters({ ...filters, type: e.currentTarget.value as QrCodeType | "", page: 1 })}>
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
        <TagFilter selected={filters.tags} onChange={(tags) => showFilters({ ...filters, tags, page: 1 })} />
      </form>
      <p class="exports">
        {/* Plain links: the session cookie authorizes them and the browser saves the streamed file. */}
        <span class="muted">{filtered ? "Export the codes these filters select:" : "Export every code:"}</span>{" "}
        <a class="button" href={codesExportUrl(filters, "csv")} download>
          Export CSV
        </a>{" "}
        <a class="button" href={codesExportUrl(filters, "jsonl")} download>
          Export JSON Lines
        </a>
      </p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {listing === null && !error ? <p aria-live="polite">Loading…</p> : null}
      <p class="visually-hidden" role="status">
        {listing ? `${listing.total} ${listing.total === 1 ? "code" : "codes"}${filtered ? " match" : ""}.` : ""}
      </p>
      {listing && listing.codes.length === 0 ? (
        <p class="empty">{filtered ? "No code matches." : canWrite ? "No codes yet. Create your first one." : "No codes yet."}</p>
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
                {code.tags.length > 0 ? (
                  <ul class="tags" aria-label={`Tags of ${code.name}`}>
                    {code.tags.map((tag) => (
                      <li class="tag" key={tag}>
                        {tag}
                      </li>
                    ))}
                  </ul>
                ) : null}
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
          <button class="button" type="button" disabled={page <= 1} onClick={() => showFilters({ ...filters, page: page - 1 })}>
            Previous
          </button>
          <span>
            Page {page} of {pages} ({listing.total} codes)
          </span>
          <button class="button" type="button" disabled={page >= pages} onClick={() => showFilters({ ...filters, page: page + 1 })}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}

export const openCode = (id: string) => navigate(`/codes/${encodeURIComponent(id)}`);
