// A Mesos scheduler API v1 client: what a third-party framework does, packaged for our cron mode
// and for tests that need a real framework.

export {
  NotSubscribedError,
  SchedulerCallError,
  SchedulerClient,
  SchedulerClientClosedError,
  SchedulerSubscribeError,
  type SchedulerClientLogger,
  type SchedulerClientOptions,
  type Subscription,
} from "./scheduler-client.ts";
export { backoffDelayMs, defaultBackoff, type BackoffSettings } from "./backoff.ts";
export { masterOrigin, resolveRedirect, schedulerUrl } from "./master-url.ts";
export { EventQueue } from "./event-queue.ts";
