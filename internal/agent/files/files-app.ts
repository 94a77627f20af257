// Mesos's /files endpoints over the attached paths: browse (ls -l as JSON), read (a chunk as JSON,
// or the size with offset=-1, as the web UI's pailer asks), download (an attachment), debug.

import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { Hono, type Context } from "hono";
import { isWithin, resolveRequestPath, type AttachedPath, type Resolved } from "./resolve.ts";

/** Mesos caps one read at 16 pages. */
export const filesReadBytesMaxDefault = 16 * 4096;
/** Most entries one browse returns; a directory with more is cut (and logged by the caller's logs). */
export const filesBrowseEntriesMax = 10_000;

export interface FilesAppOptions {
  /** The roots, asked on every request so sandboxes can come and go. */
  attached: () => readonly AttachedPath[];
  filesReadBytesMax?: number;
}

export interface FileInfoJson {
  path: string;
  nlink: number;
  size: number;
  mtime: number;
  mode: string;
  uid: string;
  gid: string;
}

export function createFilesApp(options: FilesAppOptions): Hono {
  const readBytesMax = options.filesReadBytesMax ?? filesReadBytesMaxDefault;
  const app = new Hono();
  const browse = (c: Context) => handleBrowse(c, options.attached());
  const read = (c: Context) => handleRead(c, options.attached(), readBytesMax);
  app.get("/files/browse", browse);
  app.get("/files/browse.json", browse);
  app.get("/files/read", read);
  app.get("/files/read.json", read);
  app.get("/files/download", (c) => handleDownload(c, options.attached()));
  app.get("/files/download.json", (c) => handleDownload(c, options.attached()));
  app.get("/files/debug", (c) => json(c, Object.fromEntries(options.attached().map((a) => [a.virtualPath, a.realPath]))));
  return app;
}

/** The common start of every handler: the `path` parameter resolved, or the error response. */
function resolveParam(c: Context, attached: readonly AttachedPath[]): Extract<Resolved, { kind: "ok" }> | Response {
  const path = c.req.query("path");
  if (path === undefined || path === "") return c.text("Expecting 'path=value' in query.\n", 400);
  const resolved = resolveRequestPath(path, attached);
  switch (resolved.kind) {
    case "forbidden":
      return c.text(`${resolved.message}.\n`, 403);
    case "not-found":
      return c.text("", 404);
    case "ok":
      return resolved;
  }
}

function handleBrowse(c: Context, attached: readonly AttachedPath[]): Response {
  const resolved = resolveParam(c, attached);
  if (resolved instanceof Response) return resolved;
  const listing: FileInfoJson[] = [];
  // Like Mesos, browsing a file lists nothing; only directories have entries.
  if (resolved.isDirectory) {
    const names = readdirSync(resolved.realPath).sort().slice(0, filesBrowseEntriesMax);
    for (const name of names) {
      const stats = entryStats(join(resolved.realPath, name), resolved.rootRealPath);
      if (stats !== null) listing.push(fileInfo(join(resolved.virtualPath, name), stats));
    }
  }
  return json(c, listing);
}

/**
 * stat(2) of an entry, following symlinks as Mesos does; null for a dangling link, a file removed
 * meanwhile, or a symlink leading outside the root (Mesos lists those; we do not show what lies
 * outside, not even its size).
 */
function entryStats(path: string, rootRealPath: string): Stats | null {
  try {
    if (lstatSync(path).isSymbolicLink() && !isWithin(realpathSync(path), rootRealPath)) return null;
    return statSync(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP";
}

async function handleRead(c: Context, attached: readonly AttachedPath[], readBytesMax: number): Promise<Response> {
  const offsetParam = parseIntParam(c.req.query("offset"), "offset");
  if (typeof offsetParam === "string") return c.text(offsetParam, 400);
  const lengthParam = parseIntParam(c.req.query("length"), "length");
  if (typeof lengthParam === "string") return c.text(lengthParam, 400);
  const resolved = resolveParam(c, attached);
  if (resolved instanceof Response) return resolved;
  if (resolved.isDirectory) return c.text("Cannot read a directory.\n", 400);
  const offset = offsetParam ?? -1;
  const handle = await open(resolved.realPath, "r");
  try {
    const size = (await handle.stat()).size;
    // offset=-1 (or none) asks for the size, as the web UI's pailer does first.
    if (offset === -1) return json(c, { data: "", offset: size });
    if (offset >= size) return json(c, { data: "", offset });
    const wanted = lengthParam === undefined || lengthParam === -1 ? size - offset : lengthParam;
    const length = Math.min(wanted, readBytesMax, size - offset);
    if (length === 0) return json(c, { data: "", offset });
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return json(c, { data: buffer.subarray(0, bytesRead).toString("utf8"), offset });
  } finally {
    await handle.close();
  }
}

function handleDownload(c: Context, attached: readonly AttachedPath[]): Response {
  const resolved = resolveParam(c, attached);
  if (resolved instanceof Response) return resolved;
  if (resolved.isDirectory) return c.text("Cannot download a directory.\n", 400);
  const name = basename(resolved.realPath);
  return new Response(Bun.file(resolved.realPath), {
    headers: {
      "Content-Type": mimeTypes[extname(name).toLowerCase()] ?? "application/octet-stream",
      "Content-Disposition": `attachment; filename=${name}`,
    },
  });
}

/** Undefined when absent; an error message (400) when not an integer or below -1. */
export function parseIntParam(value: string | undefined, name: string): number | undefined | string {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) return `Failed to parse ${name}: '${value}' is not an integer.\n`;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) return `Failed to parse ${name}: '${value}' is out of range.\n`;
  if (parsed < -1) return `Negative ${name} provided: ${parsed}.\n`;
  return parsed;
}

/** JSON, or JSONP when `jsonp=callback` is given (the Mesos web UI reads agents that way). */
function json(c: Context, body: unknown): Response {
  const callback = c.req.query("jsonp");
  if (callback !== undefined && /^[A-Za-z_$][\w$.]*$/.test(callback)) {
    return c.body(`${callback}(${JSON.stringify(body)});`, 200, { "Content-Type": "text/javascript" });
  }
  return c.json(body as object);
}

export function fileInfo(path: string, stats: Stats): FileInfoJson {
  return {
    path,
    nlink: stats.nlink,
    size: stats.size,
    mtime: Math.floor(stats.mtimeMs / 1000),
    mode: modeString(stats),
    uid: idNames("/etc/passwd").get(stats.uid) ?? String(stats.uid),
    gid: idNames("/etc/group").get(stats.gid) ?? String(stats.gid),
  };
}

/** "drwxr-xr-x", as `ls -l` and Mesos show it. */
export function modeString(stats: Stats): string {
  const type = stats.isDirectory() ? "d" : stats.isCharacterDevice() ? "c" : stats.isBlockDevice() ? "b" : stats.isFIFO() ? "p" : stats.isSymbolicLink() ? "l" : stats.isSocket() ? "s" : "-";
  const bits = "rwxrwxrwx";
  let out = type;
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : "-";
  return out;
}

const idNameCacheMs = 60_000;
const idNameCache = new Map<string, { atMs: number; names: Map<number, string> }>();

/** uid/gid to name from /etc/passwd or /etc/group, re-read at most once a minute. */
function idNames(file: string): Map<number, string> {
  const cached = idNameCache.get(file);
  if (cached !== undefined && performance.now() - cached.atMs < idNameCacheMs) return cached.names;
  const names = new Map<number, string>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (name !== undefined && id !== undefined && !names.has(Number(id))) names.set(Number(id), name);
  }
  idNameCache.set(file, { atMs: performance.now(), names });
  return names;
}

const mimeTypes: Record<string, string> = {
  ".txt": "text/plain",
  ".log": "text/plain",
  ".json": "application/json",
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".js": "application/javascript",
  ".xml": "application/xml",
  ".csv": "text/csv",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
  ".gz": "application/gzip",
  ".tar": "application/x-tar",
  ".zip": "application/zip",
};
