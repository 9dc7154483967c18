// Scans as charts, per code and for the organization. A code's figures come from GET
// /qr_codes/{id}/scans, the organization's from GET /analytics/scans (one request whatever the
// number of codes); both are built by the API from daily rollups. The line chart is uPlot (small,
// canvas, bundled here; this screen is its own chunk so the console's first load does not carry
// it); bars are plain HTML so they read as text. Every chart has its numbers as a table too.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, type components, problemMessage, type QrCode } from "../api";
import { Notice } from "../components/field";

type Collection = components["schemas"]["ScanLogCollection"];
type Breakdowns = Collection["breakdowns"];
type Count = Breakdowns["byCountry"][number];
type Day = Breakdowns["byDay"][number];

export interface Report {
  totals: Collection["totals"];
  breakdowns: Breakdowns;
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
function defaultRange(): { from: string; to: string } {
  const today = new Date();
  return { from: isoDay(new Date(today.getTime() - 29 * DAY_MS)), to: isoDay(today) };
}

/** [from, to] as a person picks them (both inclusive) → the API's [from, to) in whole UTC days. */
const apiRange = (from: string, to: string) => ({ from, to: isoDay(new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS)) });

async function codeReport(id: string, from: string, to: string): Promise<Report> {
  const { data, error, response } = await api.GET("/qr_codes/{id}/scans", { params: { path: { id }, query: { ...apiRange(from, to), bots: "include" } } });
  if (!data) throw new Error(problemMessage(error, response));
  return { totals: data.totals, breakdowns: data.breakdowns };
}

type TopCode = components["schemas"]["ScanSummary"]["byCode"][number];

async function organizationReport(from: string, to: string): Promise<Report & { byCode: TopCode[] }> {
  const { data, error, response } = await api.GET("/analytics/scans", { params: { query: apiRange(from, to) } });
  if (!data) throw new Error(problemMessage(error, response));
  return { totals: data.totals, breakdowns: data.breakdowns, byCode: data.byCode };
}

/** Every day of the range, with 0 where nothing was scanned, so the line does not skip gaps. */
function dailySeries(byDay: Day[], from: string, to: string) {
  const known = new Map(byDay.map((d) => [d.day, d]));
  const x: number[] = [];
  const humans: number[] = [];
  const unique: number[] = [];
  const bots: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    const day = known.get(isoDay(new Date(t)));
    x.push(t / 1000);
    humans.push(day?.humans ?? 0);
    unique.push(day?.unique ?? 0);
    bots.push(day?.bots ?? 0);
  }
  return { x, humans, unique, bots };
}

function ScansPerDay({ report, from, to }: { report: Report; from: string; to: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const series = dailySeries(report.breakdowns.byDay, from, to);
  useEffect(() => {
    if (!holder.current) return;
    const width = Math.max(280, holder.current.clientWidth);
    const chart = new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: true } },
        series: [
          {},
          { label: "Human", stroke: "#1d4ed8", width: 2 },
          { label: "Unique", stroke: "#15803d", width: 2, dash: [6, 4] },
          { label: "Bots", stroke: "#b45309", width: 1.5 },
        ],
        axes: [{ stroke: "#475569" }, { stroke: "#475569" }],
      },
      [series.x, series.humans, series.unique, series.bots],
      holder.current,
    );
    return () => chart.destroy();
  }, [report, from, to]);
  return (
    <figure class="chart card">
      <figcaption>
        <h2 id="per-day-title">Scans per day</h2>
      </figcaption>
      <div ref={holder} role="img" aria-label={`Scans per day from ${from} to ${to}: ${report.totals.human} human, ${report.totals.unique} unique, ${report.totals.bots} bots. The table below has each day.`} />
      <details>
        <summary>Scans per day as a table</summary>
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Scans per day table">
          <table>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Human</th>
                <th scope="col">Unique</th>
                <th scope="col">Bots</th>
              </tr>
            </thead>
            <tbody>
              {series.x.map((t, i) => (
                <tr key={t}>
                  <td>{isoDay(new Date(t * 1000))}</td>
                  <td>{series.humans[i]}</td>
                  <td>{series.unique[i]}</td>
                  <td>{series.bots[i]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

function Bars({ title, counts }: { title: string; counts: Count[] }) {
  const top = counts.slice(0, 8);
  const max = Math.max(1, ...top.map((c) => c.humans + c.bots));
  return (
    <section class="card bars" aria-label={title}>
      <h3>{title}</h3>
      {top.length === 0 ? (
        <p class="muted">No scans in this range.</p>
      ) : (
        <ul>
          {top.map((count) => (
            <li key={count.value}>
              <span class="bar-label">{count.value}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar human" style={{ width: `${(count.humans / max) * 100}%` }} />
                <span class="bar bots" style={{ width: `${(count.bots / max) * 100}%` }} />
              </span>
              <span class="bar-value">
                {count.humans} human{count.bots ? `, ${count.bots} bots` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** `perCode`: the organization's figures, whose unique visitors are each code's added up. */
function ReportView({ report, from, to, perCode }: { report: Report; from: string; to: string; perCode: boolean }) {
  const t = report.totals;
  return (
    <>
      <dl class="totals">
        {(
          [
            ["Human scans", t.human],
            [perCode ? "Unique visitors (per code and day)" : "Unique visitors (per day)", t.unique],
            ["Bots and previews", t.bots],
            ["All", t.all],
          ] as const
        ).map(([label, value]) => (
          <div class="card total" key={label}>
            <dt>{label}</dt>
            <dd>{value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      <ScansPerDay report={report} from={from} to={to} />
      <div class="bar-grid">
        <Bars title="Countries" counts={report.breakdowns.byCountry} />
        <Bars title="Devices" counts={report.breakdowns.byDevice} />
        <Bars title="Operating systems" counts={report.breakdowns.byOs} />
        <Bars title="Browsers" counts={report.breakdowns.byBrowser} />
        <Bars title="Referrers" counts={report.breakdowns.byReferrer} />
      </div>
    </>
  );
}

function TopCodes({ codes }: { codes: TopCode[] }) {
  return (
    <section class="card bars" aria-label="Most scanned codes">
      <h3>Most scanned codes</h3>
      {codes.length === 0 ? (
        <p class="muted">No scans in this range.</p>
      ) : (
        <ol>
          {codes.map((code) => (
            <li key={code.id}>
              <a href={`#/codes/${encodeURIComponent(code.id)}/analytics`}>{code.name}</a> ({code.type}): {code.humans} human{code.bots ? `, ${code.bots} bots` : ""}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function RangePicker({ from, to, onChange }: { from: string; to: string; onChange: (range: { from: string; to: string }) => void }) {
  const [draft, setDraft] = useState({ from, to });
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft);
      }}
    >
      <div class="field">
        <label for="range-from">From (UTC day)</label>
        <input id="range-from" type="date" value={draft.from} max={draft.to} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="range-to">To (UTC day, included)</label>
        <input id="range-to" type="date" value={draft.to} min={draft.from} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
      </div>
      <button class="button" type="submit">
        Show
      </button>
    </form>
  );
}

/** The raw scans (or share-link clicks) of the range shown, one code's or the organization's, as a streamed file. */
export function visitsExportUrl(codeId: string | undefined, family: "scans" | "clicks", range: { from: string; to: string }, format: "csv" | "jsonl"): string {
  const query = new URLSearchParams({ format, ...apiRange(range.from, range.to) });
  return `${codeId ? `/qr_codes/${encodeURIComponent(codeId)}` : "/analytics"}/${family}/export?${query.toString()}`;
}

/** `codeId` set: one code's scans; absent: the organization's, over all its codes. */
export default function Analytics({ codeId }: { codeId?: string }) {
  const [range, setRange] = useState(defaultRange);
  const [report, setReport] = useState<Report | null>(null);
  const [code, setCode] = useState<QrCode | null>(null);
  const [topCodes, setTopCodes] = useState<TopCode[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setReport(null);
    setError(null);
    (async () => {
      if (codeId) {
        const { data } = await api.GET("/qr_codes/{id}", { params: { path: { id: codeId } } });
        if (current && data) setCode(data as QrCode);
        return codeReport(codeId, range.from, range.to);
      }
      const organization = await organizationReport(range.from, range.to);
      if (current) setTopCodes(organization.byCode);
      return organization;
    })()
      .then((result) => current && setReport(result))
      .catch((failure: Error) => current && setError(failure.message || "The server could not be reached."));
    return () => {
      current = false;
    };
  }, [codeId, range]);

  return (
    <section aria-labelledby="analytics-title">
      <div class="screen-head">
        <h1 id="analytics-title">{codeId ? `Analytics: ${code?.name ?? "…"}` : "Analytics"}</h1>
        {codeId ? <a href={`#/codes/${encodeURIComponent(codeId)}`}>Back to the code</a> : null}
      </div>
      <RangePicker from={range.from} to={range.to} onChange={setRange} />
      {/* The range's raw scans as a file (the cookie authorizes the download; the range in the API's [from, to) form). */}
      <p class="exports">
        <span class="muted">
          {codeId ? "This code's" : "Every code's"} scans from {range.from} to {range.to} (UTC, both included):
        </span>{" "}
        <a class="button" href={visitsExportUrl(codeId, "scans", range, "csv")} download>
          Export scans (CSV)
        </a>{" "}
        <a class="button" href={visitsExportUrl(codeId, "scans", range, "jsonl")} download>
          Export scans (JSON Lines)
        </a>{" "}
        {/* Clicks of the share link (attributes.shareUrl), which only dynamic codes have. */}
        {!codeId || code?.attributes.shareUrl ? (
          <a class="button" href={visitsExportUrl(codeId, "clicks", range, "csv")} download>
            Export share-link clicks (CSV)
          </a>
        ) : null}
      </p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {!report && !error ? <p aria-live="polite">Loading…</p> : null}
      {report ? <ReportView report={report} from={range.from} to={range.to} perCode={!codeId} /> : null}
      {report && !codeId && topCodes ? <TopCodes codes={topCodes} /> : null}
    </section>
  );
}
