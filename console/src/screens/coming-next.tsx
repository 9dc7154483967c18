/** A screen the console does not have yet: says so, and where to do it meanwhile. */
export function ComingNext({ title, what, api }: { title: string; what: string; api: string }) {
  return (
    <section aria-labelledby="coming-title">
      <h1 id="coming-title">{title}</h1>
      <p>{what} is coming next to the console.</p>
      <p>
        Meanwhile the API does it: see {api} in the <a href="/docs">API reference</a>.
      </p>
    </section>
  );
}
