import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttachedPaths } from "./attached-paths.ts";
import { createFilesApp, type FileInfoJson } from "./files-app.ts";

let root: string;
let sandbox: string;
let logDir: string;
const attached = new AttachedPaths();
const app = createFilesApp({ attached: () => attached.list(), filesReadBytesMax: 8 });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "files-test-"));
  sandbox = join(root, "work", "slaves", "a", "frameworks", "f", "executors", "e", "runs", "c1");
  logDir = join(root, "log");
  mkdirSync(join(sandbox, "sub"), { recursive: true });
  mkdirSync(logDir);
  writeFileSync(join(sandbox, "stdout"), "hello world\n");
  writeFileSync(join(sandbox, "sub", "nested.json"), "{}");
  writeFileSync(join(root, "secret"), "do not read");
  writeFileSync(join(logDir, "agent.log"), "log line\n");
  symlinkSync(join(root, "secret"), join(sandbox, "escape"));
  symlinkSync("sub/nested.json", join(sandbox, "inside-link"));
  attached.attach(sandbox, sandbox);
  attached.attach("/frameworks/f/executors/e/runs/latest", sandbox);
  attached.attach("/slave/log", logDir);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const get = (path: string) => app.request(path);
const q = (p: string) => encodeURIComponent(p);

describe("/files/browse", () => {
  test("lists a sandbox like ls -l, as Mesos's JSON", async () => {
    const res = await get(`/files/browse?path=${q(sandbox)}`);
    expect(res.status).toBe(200);
    const listing = (await res.json()) as FileInfoJson[];
    const names = listing.map((f) => f.path.slice(sandbox.length + 1));
    // Mesos would list "escape" (a link to a file outside); we hide what lies outside the root.
    expect(names).toEqual(["inside-link", "stdout", "sub"]);
    const stdout = listing.find((f) => f.path.endsWith("/stdout"))!;
    expect(stdout).toMatchObject({ size: 12, nlink: 1, uid: "root", gid: "root" });
    expect(stdout.mode).toMatch(/^-rw-/);
    expect(Number.isInteger(stdout.mtime)).toBe(true);
    expect(listing.find((f) => f.path.endsWith("/sub"))!.mode).toMatch(/^d/);
  });

  test("works through a virtual path and keeps the virtual path in the answer", async () => {
    const res = await get(`/files/browse?path=${q("/frameworks/f/executors/e/runs/latest/sub")}`);
    expect(res.status).toBe(200);
    const listing = (await res.json()) as FileInfoJson[];
    expect(listing.map((f) => f.path)).toEqual(["/frameworks/f/executors/e/runs/latest/sub/nested.json"]);
  });

  test("missing path parameter is 400, missing file 404", async () => {
    expect((await get("/files/browse")).status).toBe(400);
    expect((await get(`/files/browse?path=${q(join(sandbox, "nope"))}`)).status).toBe(404);
  });

  test("403 for '..', for absolute paths outside the roots and for escaping symlinks", async () => {
    expect((await get(`/files/browse?path=${q(sandbox + "/../..")}`)).status).toBe(403);
    expect((await get(`/files/browse?path=${q("/frameworks/f/executors/e/runs/latest/../../x")}`)).status).toBe(403);
    expect((await get(`/files/browse?path=${q("/etc")}`)).status).toBe(403);
    expect((await get(`/files/browse?path=${q(root)}`)).status).toBe(403);
    expect((await get(`/files/read?path=${q(join(sandbox, "escape"))}&offset=0`)).status).toBe(403);
    expect((await get(`/files/download?path=${q(join(sandbox, "escape"))}`)).status).toBe(403);
  });
});

describe("/files/read", () => {
  test("offset=-1 (or none) gives the size and no data", async () => {
    expect(await (await get(`/files/read?path=${q(join(sandbox, "stdout"))}&offset=-1`)).json()).toEqual({ data: "", offset: 12 });
    expect(await (await get(`/files/read?path=${q(join(sandbox, "stdout"))}`)).json()).toEqual({ data: "", offset: 12 });
  });

  test("reads a chunk, capped at filesReadBytesMax", async () => {
    const path = q(join(sandbox, "stdout"));
    expect(await (await get(`/files/read?path=${path}&offset=0&length=5`)).json()).toEqual({ data: "hello", offset: 0 });
    expect(await (await get(`/files/read?path=${path}&offset=6`)).json()).toEqual({ data: "world\n", offset: 6 });
    expect(await (await get(`/files/read?path=${path}&offset=0&length=100`)).json()).toEqual({ data: "hello wo", offset: 0 });
    expect(await (await get(`/files/read?path=${path}&offset=50`)).json()).toEqual({ data: "", offset: 50 });
  });

  test("a symlink inside the sandbox is followed", async () => {
    const res = await get(`/files/read?path=${q(join(sandbox, "inside-link"))}&offset=0`);
    expect(await res.json()).toEqual({ data: "{}", offset: 0 });
  });

  test("bad offset or length is 400 naming the parameter", async () => {
    const path = q(join(sandbox, "stdout"));
    const offset = await get(`/files/read?path=${path}&offset=abc`);
    expect(offset.status).toBe(400);
    expect(await offset.text()).toContain("offset");
    const length = await get(`/files/read?path=${path}&offset=0&length=-5`);
    expect(length.status).toBe(400);
    expect(await length.text()).toContain("length");
    expect((await get(`/files/read?path=${q(sandbox)}&offset=0`)).status).toBe(400);
  });

  test("the log dir is readable through its virtual path", async () => {
    const res = await get(`/files/read?path=${q("/slave/log/agent.log")}&offset=0`);
    expect(await res.json()).toEqual({ data: "log line", offset: 0 });
  });

  test("jsonp wraps the answer", async () => {
    const res = await get(`/files/read?path=${q(join(sandbox, "stdout"))}&offset=-1&jsonp=cb`);
    expect(await res.text()).toBe('cb({"data":"","offset":12});');
  });
});

describe("/files/download", () => {
  test("returns the file as an attachment", async () => {
    const res = await get(`/files/download?path=${q(join(sandbox, "sub", "nested.json"))}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe("attachment; filename=nested.json");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe("{}");
    expect((await get(`/files/download?path=${q(join(sandbox, "stdout"))}`)).headers.get("content-type")).toBe("application/octet-stream");
  });

  test("refuses directories, missing files and outside paths", async () => {
    expect((await get(`/files/download?path=${q(sandbox)}`)).status).toBe(400);
    expect((await get(`/files/download?path=${q(join(sandbox, "nope"))}`)).status).toBe(404);
    expect((await get(`/files/download?path=${q(join(root, "secret"))}`)).status).toBe(403);
  });
});

test("/files/debug shows the attached paths; detach removes access", async () => {
  const debug = (await (await get("/files/debug")).json()) as Record<string, string>;
  expect(debug["/slave/log"]).toBe(logDir);
  attached.attach("/tmp-attach", logDir);
  expect((await get(`/files/read?path=${q("/tmp-attach/agent.log")}&offset=-1`)).status).toBe(200);
  attached.detach("/tmp-attach");
  expect((await get(`/files/read?path=${q("/tmp-attach/agent.log")}&offset=-1`)).status).toBe(403);
});
