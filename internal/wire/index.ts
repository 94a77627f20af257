export * from "./mesos.ts";
export * from "./agent-protocol.ts";
