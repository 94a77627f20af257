// ZkObserver with OpenTelemetry: requests by op and their latency, a span for one request in
// `zkRequestSpanSampleEvery` (the rest would cost more than the request), and the server's
// sessions, znodes, watches and counters read from stats() at collection time.

import { SpanKind, type Attributes, type Meter, type Tracer } from "@opentelemetry/api";
import type { Clock } from "../../internal/runtime/index.ts";
import { zkOpName, type ZkLiteStats, type ZkObserver } from "../../internal/zk/index.ts";
import { latencyHistogram } from "./attribute-sets.ts";
import { hrTimeOfMs } from "./span-time.ts";

/** One request in this many gets a `zk.request` span (before the tracer's own sampler). */
export const zkRequestSpanSampleEvery = 64;

export interface ZkObserverOptions {
  meter: Meter;
  tracer: Tracer;
  /** The server's clock: a sampled request's span ends at its now. */
  clock: Clock;
  /** Default zkRequestSpanSampleEvery; 1 traces every request. */
  spanSampleEvery?: number;
}

export function createZkObserver(options: ZkObserverOptions): ZkObserver {
  const { meter, tracer, clock } = options;
  const sampleEvery = options.spanSampleEvery ?? zkRequestSpanSampleEvery;
  const requests = meter.createCounter("zk.server.requests", { description: "Requests answered, by ZooKeeper op.", unit: "{request}" });
  const duration = latencyHistogram(meter, "zk.server.request.duration", "Time from a request's arrival to its reply (writes include the txn log fsync), by op.");
  // Op codes are a fixed set (unknown ones share one label), so this stays small.
  const byOp = new Map<number, Attributes>();
  const attributesOf = (opCode: number): Attributes => {
    let attributes = byOp.get(opCode);
    if (attributes === undefined) byOp.set(opCode, (attributes = Object.freeze({ op: zkOpName(opCode) })));
    return attributes;
  };
  let sinceSpan = 0;
  return {
    bind: (stats) => registerZkGauges(meter, stats),
    requestCompleted: (opCode, latencyMs, sessionId) => {
      const attributes = attributesOf(opCode);
      requests.add(1, attributes);
      duration.record(latencyMs / 1000, attributes);
      if (++sinceSpan < sampleEvery) return;
      sinceSpan = 0;
      const endMs = clock.nowMs();
      const span = tracer.startSpan("zk.request", {
        root: true,
        kind: SpanKind.SERVER,
        startTime: hrTimeOfMs(endMs - latencyMs),
        attributes: { "zk.op": attributes["op"] as string, "zk.session_id": `0x${sessionId.toString(16)}`, "zk.sampled_one_in": sampleEvery },
      });
      span.end(hrTimeOfMs(endMs));
    },
  };
}

function registerZkGauges(meter: Meter, stats: () => ZkLiteStats): void {
  const gauge = (name: string, description: string, unit: string, pick: (s: ZkLiteStats) => number) => ({ instrument: meter.createObservableGauge(name, { description, unit }), pick });
  const counter = (name: string, description: string, unit: string, pick: (s: ZkLiteStats) => number) => ({ instrument: meter.createObservableCounter(name, { description, unit }), pick });
  const all = [
    gauge("zk.server.sessions", "Live sessions.", "{session}", (s) => s.sessions),
    gauge("zk.server.connections", "Open client connections.", "{connection}", (s) => s.connections),
    gauge("zk.server.znodes", "Znodes in the data tree.", "{znode}", (s) => s.znodeCount),
    gauge("zk.server.ephemerals", "Ephemeral znodes.", "{znode}", (s) => s.ephemeralsCount),
    gauge("zk.server.watches", "Watches set by clients.", "{watch}", (s) => s.watchCount),
    gauge("zk.server.data.size", "Approximate size of the data tree (paths and data).", "By", (s) => s.approximateDataSizeBytes),
    gauge("zk.server.outstanding_requests", "Requests received and not yet answered.", "{request}", (s) => s.outstandingRequests),
    gauge("zk.server.last_zxid", "Last transaction id applied.", "", (s) => s.lastZxid),
    counter("zk.server.packets.received", "Packets received from clients.", "{packet}", (s) => s.packetsReceived),
    counter("zk.server.packets.sent", "Packets sent to clients.", "{packet}", (s) => s.packetsSent),
    counter("zk.server.fsyncs", "Txn log fsyncs.", "{fsync}", (s) => s.fsyncCount),
    counter("zk.server.snapshots", "Snapshots written.", "{snapshot}", (s) => s.snapshotCount),
    counter("zk.server.expired_sessions", "Sessions expired by the server.", "{session}", (s) => s.expiredSessions),
    counter("zk.server.rejected_connections", "Connections refused (per-IP or total limit).", "{connection}", (s) => s.rejectedConnections),
  ];
  meter.addBatchObservableCallback(
    (result) => {
      const current = stats();
      for (const { instrument, pick } of all) result.observe(instrument, pick(current));
    },
    all.map(({ instrument }) => instrument),
  );
}
