export * from "./mesos.ts";
export * from "./agent-protocol.ts";
export * from "./scheduler.ts";
export * from "./operator.ts";
