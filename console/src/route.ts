// Hash routes (#/codes/new, #/set-password?token=…): the server only ever serves index.html, and
// a token in the fragment never reaches a server log.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** The path after `#`, e.g. `/codes/0193…`. */
  path: string;
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/codes";
  const [path = "/codes", query = ""] = raw.split("?", 2);
  return { path, query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parse(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return route;
}

export const navigate = (path: string) => {
  location.hash = `#${path}`;
};

/** `/codes/:id/design` against `/codes/0193…/design`: the parameters, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(":")) params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}
