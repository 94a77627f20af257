import { peersProblem } from "../zk/ensemble/index.ts";
import type { FlagDef } from "./types.ts";

/** Names follow ZooKeeper's zoo.cfg keys, in our flag style (tickTime -> --tick_time). */
export function zkLiteFlags(): FlagDef[] {
  return [
    { name: "data_dir", kind: "string", required: true, help: "Directory for the transaction log and snapshots." },
    { name: "admin_port", kind: "port", default: 8080, help: "HTTP port of the admin server (/commands, /health, /metrics)." },
    { name: "tick_time", kind: "integer", default: 2000, min: 1, max: 600_000, help: "ZooKeeper's tickTime in milliseconds; session timeouts are clamped to 2x..20x of it." },
    { name: "min_session_timeout", kind: "integer", min: 1, help: "Smallest session timeout granted, in milliseconds (default: 2 x --tick_time)." },
    { name: "max_session_timeout", kind: "integer", min: 1, help: "Largest session timeout granted, in milliseconds (default: 20 x --tick_time)." },
    { name: "max_client_cnxns", kind: "integer", default: 60, min: 0, max: 1_000_000, help: "Connections allowed from one IP address; 0 means no limit." },
    { name: "jute_max_buffer", kind: "bytes", default: 0xfffff, min: 1024, max: 64 * 1024 * 1024, help: "Largest request packet accepted (ZooKeeper's jute.maxbuffer)." },
    { name: "4lw_whitelist", kind: "string", default: "srvr", help: "Four-letter words answered on the client port, comma-separated, or * for all (srvr is always on)." },
    { name: "snap_count", kind: "integer", default: 100_000, min: 100, max: 100_000_000, help: "Transactions between snapshots (ZooKeeper's snapCount); with --peers, Raft entries between snapshots (an entry carries one or more requests)." },
    ...ensembleFlags(),
  ];
}

/** --peers: a replicated ensemble through internal/consensus (README "zk-lite"). */
function ensembleFlags(): FlagDef[] {
  return [
    {
      name: "peers",
      kind: "string",
      check: (value) => peersProblem(String(value)),
      help: "Every server of the ensemble as host:client_port:peer_port, this one included and in the same order on each (e.g. 10.0.0.1:2181:2888,10.0.0.2:2181:2888,10.0.0.3:2181:2888): the servers elect a leader by Raft over their peer ports and replicate every write; a server finds its entry by --ip (or --hostname) and --port, and its number is its position in the list. Absent: a standalone server.",
    },
    {
      name: "raft_heartbeat_interval",
      kind: "duration",
      default: 100,
      min: 4,
      help: "With --peers: the Raft leader sends a heartbeat to each server this often.",
    },
    {
      name: "raft_election_timeout",
      kind: "duration",
      default: 1000,
      min: 12,
      help: "With --peers: a server that hears nothing from the leader for between this and twice this starts an election and drops its clients; a leader that hears from no majority for this long steps down. At least 3 x --raft_heartbeat_interval.",
    },
    {
      name: "raft_fault_injection",
      kind: "boolean",
      default: false,
      hidden: true,
      help: "Tests only: serve POST /api/internal/raft/faults on the peer port, which drops Raft messages to and from the servers it names.",
    },
  ];
}
