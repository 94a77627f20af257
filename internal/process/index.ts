export { createBaseApp, effectiveFlagsForDisplay } from "./base-routes.ts";
export type { MetricsSource, ProcessContext, Service } from "./context.ts";
export { serveHttp, type HttpServer } from "./http-server.ts";
export { serveModeHttp } from "./serve-mode.ts";
export { onStopSignal, stopServices, withTimeout } from "./shutdown.ts";
export { version, versionInfo, type VersionInfo } from "./version.ts";
