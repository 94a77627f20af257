import { describe, expect, test } from "bun:test";
import { parseCommandLine, type Flags } from "../flags/index.ts";
import { ensembleFromFlags } from "./start-mode.ts";

const PEERS = "--peers=127.0.0.1:2181:2888,127.0.0.1:2182:2889,127.0.0.1:2183:2890";

function flags(...argv: string[]): Flags {
  const outcome = parseCommandLine({ argv: ["--mode=zk-lite", "--data_dir=/d", "--hostname=box", ...argv], env: {} });
  if (outcome.kind !== "run") throw new Error(`expected run, got ${outcome.kind}`);
  return outcome.flags;
}

describe("--peers and the flags that go with it", () => {
  test("absent: a standalone server", () => {
    expect(ensembleFromFlags(flags(), [])).toBeNull();
  });

  test("this server's number is its position; timings come in milliseconds", () => {
    const e = ensembleFromFlags(flags(PEERS, "--port=2182", "--raft_heartbeat_interval=50ms", "--raft_election_timeout=500ms"), []);
    expect(e).toMatchObject({ serverId: 2, heartbeatIntervalMs: 50, electionTimeoutMs: 500, faultInjection: false });
    expect(e?.peers.map((p) => p.peerPort)).toEqual([2888, 2889, 2890]);
    // --ip=0.0.0.0 matches an entry by any of this machine's addresses.
    expect(ensembleFromFlags(flags(PEERS, "--ip=0.0.0.0", "--port=2183"), ["127.0.0.1"])?.serverId).toBe(3);
  });

  test("relations between flags are one-line errors naming the flag", () => {
    expect(() => ensembleFromFlags(flags(PEERS, "--port=2184"), [])).toThrow("bad value for flag --peers: this server, 127.0.0.1:2184 (or box:2184), is not in the list");
    expect(() => ensembleFromFlags(flags(PEERS, "--port=2181", "--raft_heartbeat_interval=200ms", "--raft_election_timeout=500ms"), [])).toThrow(
      "bad value for flag --raft_election_timeout: must be at least 3 x --raft_heartbeat_interval (200ms), got 500ms",
    );
    expect(() => ensembleFromFlags(flags(PEERS, "--port=2181", "--jute_max_buffer=8MB"), [])).toThrow("bad value for flag --jute_max_buffer: at most 3145728 bytes with --peers");
  });
});
