import type { Logger } from "pino";
import type { Flags } from "../flags/index.ts";
import type { Clock, IdGenerator, Random } from "../runtime/index.ts";

/** What telemetry gives a mode: the Prometheus text for /metrics. Spans and instruments come later. */
export interface MetricsSource {
  metricsText(): Promise<string>;
}

/** Everything a mode needs from the outside world, wired by cmd/cluster.ts. */
export interface ProcessContext {
  flags: Flags;
  logger: Logger;
  telemetry: MetricsSource;
  clock: Clock;
  random: Random;
  ids: IdGenerator;
}

/** A started part of a process (an HTTP server, a zk-lite listener, ...). */
export interface Service {
  /** Human name for the start-up banner: "master", "agent", "zk-lite admin". */
  name: string;
  url: string;
  stop(): Promise<void>;
}
