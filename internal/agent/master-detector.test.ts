import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMasterDetector, DetectionError, leaderFromLocation, zkDetectionMissingMessage } from "./master-detector.ts";

const dir = mkdtempSync(join(tmpdir(), "detector-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake network: each address answers as the map says; absent addresses refuse connections. */
function fakeFetch(answers: Record<string, { status: number; location?: string }>, asked: string[] = []) {
  return (url: string): Promise<Response> => {
    const host = new URL(url).host;
    asked.push(host);
    const answer = answers[host];
    if (answer === undefined) return Promise.reject(new Error("connection refused"));
    const headers: Record<string, string> = answer.location === undefined ? {} : { location: answer.location };
    return Promise.resolve(new Response(null, { status: answer.status, headers }));
  };
}

test("host:port is the leader", async () => {
  expect(await createMasterDetector("m1:5050").detect()).toBe("m1:5050");
});

test("a list asks every master for the leader at once and follows the 307", async () => {
  const asked: string[] = [];
  const fetch = fakeFetch({ "m2:5050": { status: 307, location: "//m3:5050" } }, asked);
  expect(await createMasterDetector("m1:5050,m2:5050,m3:5050", { fetch }).detect()).toBe("m3:5050");
  expect(asked).toEqual(["m1:5050", "m2:5050", "m3:5050"]);
});

test("a master that never answers does not hold up the one that does", async () => {
  const answering = fakeFetch({ "m2:5050": { status: 307, location: "//m2:5050" } });
  const fetch = (url: string): Promise<Response> => (url.includes("m1:5050") ? new Promise<Response>(() => {}) : answering(url));
  const started = performance.now();
  expect(await createMasterDetector("m1:5050,m2:5050", { fetch, redirectTimeoutMs: 5000 }).detect()).toBe("m2:5050");
  expect(performance.now() - started).toBeLessThan(1000);
});

test("leaderElsewhere: another master's leader counts once it confirms it leads", async () => {
  const answers: Record<string, { status: number; location?: string }> = {
    "m1:5050": { status: 307, location: "//m1:5050" },
    "m2:5050": { status: 307, location: "//m1:5050" },
    "m3:5050": { status: 307, location: "//m1:5050" },
  };
  const detector = createMasterDetector("m1:5050,m2:5050,m3:5050", { fetch: fakeFetch(answers) });
  expect(await detector.leaderElsewhere!("m1:5050", 1000)).toBeUndefined();
  answers["m2:5050"] = { status: 307, location: "//m3:5050" };
  answers["m3:5050"] = { status: 503 };
  // m2 names m3, but m3 does not lead (yet): stay.
  expect(await detector.leaderElsewhere!("m1:5050", 1000)).toBeUndefined();
  answers["m3:5050"] = { status: 307, location: "//m3:5050" };
  const found = [await detector.leaderElsewhere!("m1:5050", 1000), await detector.leaderElsewhere!("m1:5050", 1000)];
  expect(found).toContain("m3:5050");
});

test("leaderElsewhere with a wait is a long poll: leader_not and wait travel in the query", async () => {
  const urls: string[] = [];
  const fetch = (url: string) => {
    urls.push(url);
    return Promise.resolve(new Response(null, { status: 307, headers: { location: "//m1:5050" } }));
  };
  const detector = createMasterDetector("m1:5050,m2:5050", { fetch });
  // A member is first asked without waiting; once it has answered, it holds the next question.
  expect(await detector.leaderElsewhere!("m1:5050", 500, 30_000)).toBeUndefined();
  expect(await detector.leaderElsewhere!("m1:5050", 500, 30_000)).toBeUndefined();
  expect(urls).toEqual(["http://m2:5050/master/redirect?leader_not=m1%3A5050&wait=0ms", "http://m2:5050/master/redirect?leader_not=m1%3A5050&wait=30000ms"]);
  const quiet = createMasterDetector("m1:5050,m2:5050", { fetch: () => Promise.resolve(new Response(null, { status: 304 })) });
  expect(await quiet.leaderElsewhere!("m1:5050", 500, 30_000)).toBeUndefined();
});

test("leaderElsewhere: a member that says it is the watched leader (409, another spelling) is not asked again", async () => {
  const asked: string[] = [];
  const fetch = (url: string) => {
    const host = new URL(url).host;
    asked.push(host);
    if (host === "10.0.0.1:5050") return Promise.resolve(new Response("leader_not names this master", { status: 409 }));
    return Promise.resolve(new Response(null, { status: 304 }));
  };
  const detector = createMasterDetector("10.0.0.1:5050,10.0.0.2:5050,10.0.0.3:5050", { fetch });
  for (let i = 0; i < 6; i++) await detector.leaderElsewhere!("leader-host:5050", 500, 30_000);
  expect(asked[0]).toBe("10.0.0.1:5050");
  expect(asked.slice(1)).not.toContain("10.0.0.1:5050");
});

test("a list with no leader is a DetectionError naming each master's answer", async () => {
  const fetch = fakeFetch({ "m1:5050": { status: 503 }, "m2:5050": { status: 200 } });
  const error = await createMasterDetector("m1:5050,m2:5050", { fetch }).detect().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DetectionError);
  expect((error as Error).message).toContain("m1:5050: no leader elected");
  expect((error as Error).message).toContain("m2:5050: answered 200");
});

test("file:// is re-read on every detection", async () => {
  const path = join(dir, "masters");
  const detector = createMasterDetector(`file://${path}`);
  await expect(detector.detect()).rejects.toBeInstanceOf(DetectionError);
  writeFileSync(path, "m1:5050\n");
  expect(await detector.detect()).toBe("m1:5050");
  writeFileSync(path, "m9:5050");
  expect(await detector.detect()).toBe("m9:5050");
  writeFileSync(path, "not an address");
  await expect(detector.detect()).rejects.toBeInstanceOf(DetectionError);
});

test("zk:// is refused at start-up until the zk client provides detection", () => {
  expect(() => createMasterDetector("zk://127.0.0.1:2181/mesos")).toThrow(zkDetectionMissingMessage);
});

test("Location forms", () => {
  expect(leaderFromLocation("//10.0.0.1:5050")).toBe("10.0.0.1:5050");
  expect(leaderFromLocation("http://m1:5050/master/redirect")).toBe("m1:5050");
  expect(leaderFromLocation("/relative")).toBeUndefined();
});
