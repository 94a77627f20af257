// A master started with --join asks the cluster to add it: POST /master/raft/members
// {"add": <itself>} to the masters it was given, following the 307 to the leader, until the
// configuration names it a voter. The leader adds it as a learner, waits for it to catch up, then
// promotes it (RaftDriver.addServer), so the quorum never waits on an empty log.

import type { Logger } from "pino";
import type { RaftRegistry } from "./raft-registry.ts";
import { raftMembersPath } from "./raft-http.ts";

/** Redirects followed per request (a follower points at the leader; one hop is the norm). */
export const joinRedirectsMax = 3;
/** After the leader says we are a voter, how often to look for the promotion in our own log. */
export const joinConfirmPollMs = 50;

export interface JoinerOptions {
  readonly registry: RaftRegistry;
  /** --masters: the current masters and this one. */
  readonly members: readonly string[];
  readonly logger: Logger;
  /** Wait between attempts while the cluster cannot add us yet. */
  readonly retryMs: number;
  /** One request may wait this long: the leader answers once we have caught up and been promoted. */
  readonly requestTimeoutMs: number;
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export class Joiner {
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: JoinerOptions) {}

  isVoter(): boolean {
    const { registry } = this.options;
    return registry.driver.conf().voters.includes(registry.id);
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { registry, logger } = this.options;
    const others = this.options.members.filter((member) => member !== registry.id);
    for (let attempt = 0; !this.stopped && !this.isVoter(); attempt++) {
      const target = others[attempt % Math.max(1, others.length)];
      if (target === undefined) {
        logger.error({ members: this.options.members }, "--join: --masters names no other master to ask");
        return;
      }
      const problem = await this.askOnce(target);
      if (problem === undefined) {
        // Added: the promotion reaches this master's log with the leader's next append.
        await this.sleep(joinConfirmPollMs);
        continue;
      }
      if (this.stopped) return;
      logger.warn({ master: target, problem, attempt }, "--join: not added yet; asking again");
      await this.sleep(this.options.retryMs);
    }
    if (!this.stopped) logger.info({ id: registry.id, voters: registry.driver.conf().voters }, "--join: this master is a voter");
  }

  /** One request, following redirects; undefined when the leader says it is done. */
  private async askOnce(first: string): Promise<string | undefined> {
    const doFetch = this.options.fetch ?? fetch;
    let url = `http://${first}${raftMembersPath}`;
    for (let hop = 0; hop <= joinRedirectsMax; hop++) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ add: this.options.registry.id }),
          redirect: "manual",
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
        });
      } catch (error) {
        return `${url}: ${(error as Error).message}`;
      }
      const text = await response.text().catch((error: unknown) => String(error));
      const location = response.headers.get("location");
      if (response.status === 307 && location !== null) {
        url = new URL(location, url).toString();
        continue;
      }
      return response.status === 200 ? undefined : `${url}: HTTP ${response.status} ${text}`;
    }
    return `more than ${joinRedirectsMax} redirects`;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
