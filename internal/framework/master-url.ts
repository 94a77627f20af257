// Where to send scheduler calls. Masters are given as `host:port` (or a full http(s) URL), and a
// non-leading Mesos master answers 307 with a Location that may be `//host:port/path` (what the
// master sends), `host:port` (what docs/scheduler-http-api.md shows), a path, or a full URL.

import { schedulerApiPath } from "../wire/index.ts";

/** `http://host:port` for a master given as `host:port`, `http://host:port` or `https://...`. */
export function masterOrigin(master: string): string {
  const trimmed = master.trim().replace(/\/+$/, "");
  if (trimmed.length === 0) throw new Error("a master address must not be empty");
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  return new URL(withScheme).origin;
}

/** The scheduler endpoint of a master origin. */
export function schedulerUrl(origin: string): string {
  return `${origin}${schedulerApiPath}`;
}

/**
 * The URL a 307 points at, read against the URL that was asked. A bare `host:port` keeps the path
 * that was asked, since the leader serves the same endpoint.
 */
export function resolveRedirect(location: string, requested: string): string {
  const base = new URL(requested);
  const target = location.trim();
  if (/^https?:\/\//i.test(target)) return new URL(target).toString();
  if (target.startsWith("//")) return new URL(`${base.protocol}${target}`).toString();
  if (target.startsWith("/")) return new URL(target, base).toString();
  const url = new URL(`${base.protocol}//${target}`);
  if (url.pathname === "/" && !target.endsWith("/")) url.pathname = base.pathname;
  return url.toString();
}
