import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { MessageDecodeError, messageFromJson, messageToJson } from "../codec.ts";
import { DriverCluster, text, waitFor } from "../testing/driver-cluster.ts";
import type { Message } from "../types.ts";
import { HttpTransport, mountRaftRoutes, raftBodyBytesMax, raftFaultsPath, raftPath } from "./http-transport.ts";

const servers: Array<{ stop: (force?: boolean) => unknown }> = [];
let cluster: DriverCluster | undefined;

afterEach(() => {
  cluster?.stopAll();
  cluster = undefined;
  for (const s of servers.splice(0)) s.stop(true);
});

/** One HTTP server per member on a free port; ids are the `127.0.0.1:port` addresses. */
function serve(transportFor: (id: string) => HttpTransport): { id: string; transport: HttpTransport } {
  const app = new Hono();
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
  servers.push(server);
  const id = `127.0.0.1:${server.port}`;
  const transport = transportFor(id);
  mountRaftRoutes(app, transport, { faultInjection: true });
  return { id, transport };
}

describe("codec", () => {
  test("round-trips every kind of message, payloads included", () => {
    const messages: Message[] = [
      { type: "preVote", from: "a", to: "b", term: 3, lastIndex: 7, lastTerm: 2, transfer: false },
      { type: "voteResp", from: "b", to: "a", term: 3, reject: true },
      {
        type: "append",
        from: "a",
        to: "b",
        term: 3,
        prevIndex: 7,
        prevTerm: 2,
        commit: 6,
        entries: [
          { term: 3, index: 8, kind: "normal", data: new Uint8Array([0, 1, 255]) },
          { term: 3, index: 9, kind: "conf", change: { type: "addLearner", node: "d" } },
        ],
      },
      { type: "appendResp", from: "b", to: "a", term: 3, index: 7, reject: true, hintIndex: 5, hintTerm: 2 },
      { type: "snapshot", from: "a", to: "b", term: 3, snapshot: { index: 9, term: 3, conf: { voters: ["a", "b"], learners: ["d"] }, data: text("s") } },
      { type: "timeoutNow", from: "a", to: "b", term: 3 },
    ];
    for (const m of messages) {
      const back = messageFromJson(JSON.parse(JSON.stringify(messageToJson(m))));
      expect(back).toEqual(m);
    }
  });

  test("names the bad field", () => {
    const bad: Array<[unknown, string]> = [
      [{ type: "nope", from: "a", to: "b", term: 1 }, "message.type"],
      [{ type: "heartbeat", from: "", to: "b", term: 1, commit: 0 }, "message.from"],
      [{ type: "heartbeat", from: "a", to: "b", term: -1, commit: 0 }, "message.term"],
      [{ type: "append", from: "a", to: "b", term: 1, prevIndex: 1, prevTerm: 1, commit: 0, entries: [{ term: 1, index: 5, kind: "normal", data: "" }] }, "message.entries[0].index"],
      [{ type: "append", from: "a", to: "b", term: 1, prevIndex: 1, prevTerm: 1, commit: 0, entries: [{ term: 1, index: 2, kind: "normal", data: "!!" }] }, "message.entries[0].data"],
      [{ type: "snapshot", from: "a", to: "b", term: 1, snapshot: { index: 1, term: 1, conf: { voters: "a" }, data: "" } }, "message.snapshot.conf.voters"],
    ];
    for (const [value, field] of bad) {
      let error: unknown;
      try {
        messageFromJson(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MessageDecodeError);
      expect((error as MessageDecodeError).field).toBe(field);
    }
  });
});

describe("HttpTransport", () => {
  test("a three-member cluster over HTTP elects, commits, and survives its leader being cut off", async () => {
    const nodes = [0, 1, 2].map(() => serve((id) => new HttpTransport({ id })));
    const ids = nodes.map((n) => n.id);
    cluster = new DriverCluster();
    for (const n of nodes) cluster.start(n.id, { bootstrap: ids, transport: n.transport });
    const leader = await cluster.leader(ids);
    await leader.driver.propose(text("over http"));
    for (const id of ids) await waitFor(() => cluster!.get(id).sm.items.length === 1, 3000, `${id} applies`);

    // Cut the leader off through the fault hook, as a multi-process test would: each side blocks the other.
    const others = ids.filter((id) => id !== leader.id);
    const post = (id: string, blocked: string[]) =>
      fetch(`http://${id}${raftFaultsPath}`, { method: "POST", body: JSON.stringify({ blocked, dropRate: 0 }) });
    expect((await post(leader.id, others)).status).toBe(200);
    for (const id of others) await post(id, [leader.id]);
    const next = await cluster.leader(others);
    await next.driver.propose(text("after the cut"));
    for (const id of [leader.id, ...others]) await post(id, []);
    await waitFor(() => leader.sm.items.includes("after the cut"), 3000, "old leader catches up");
  });

  test("a snapshot larger than one body travels in fragments", async () => {
    const received: Message[] = [];
    const b = serve((id) => new HttpTransport({ id }));
    b.transport.onMessage((m) => received.push(m));
    const a = new HttpTransport({ id: "a" });
    const data = new Uint8Array(raftBodyBytesMax * 2 + 123).map((_, i) => i % 251);
    a.send({ type: "snapshot", from: "a", to: b.id, term: 2, snapshot: { index: 10, term: 2, conf: { voters: ["a"], learners: [] }, data } });
    await waitFor(() => received.length === 1, 5000, "the snapshot arrives");
    const m = received[0]!;
    expect(m.type).toBe("snapshot");
    if (m.type === "snapshot") expect(m.snapshot.data).toEqual(data);
  });

  test("bad bodies get a 400 naming the problem", async () => {
    const b = serve((id) => new HttpTransport({ id }));
    const post = async (body: string) => {
      const response = await fetch(`http://${b.id}${raftPath}`, { method: "POST", body });
      return { status: response.status, text: await response.text() };
    };
    expect((await post("not json")).status).toBe(400);
    expect((await post(JSON.stringify({ from: "a", messages: [{ type: "vote" }] }))).text).toContain("messages[0].from");
    const spoofed = { type: "heartbeatResp", from: "x", to: b.id, term: 1 };
    expect((await post(JSON.stringify({ from: "a", messages: [spoofed] }))).text).toContain("a message from x");
    expect((await post(JSON.stringify({ from: "a", messages: [] }))).status).toBe(204);
  });
});
