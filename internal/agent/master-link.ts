// The agent's side of the connection to the leading master: detect the leader, open the
// WebSocket, send REGISTER, answer PINGs, hand commands to the agent, and when the connection
// drops or the pings stop, find the leader again after a randomized, doubling backoff.

import type { Logger } from "pino";
import type { Clock, Random } from "../runtime/index.ts";
import {
  agentFrameBytesMax,
  agentProtocolPath,
  type AgentToMaster,
  type MasterToAgent,
} from "../wire/index.ts";
import { registrationDelayMs } from "./backoff.ts";
import { LeaderWatch } from "./leader-watch.ts";
import type { MasterDetector } from "./master-detector.ts";

export type MasterCommand = Extract<MasterToAgent, { type: "RUN_TASKS" | "KILL_TASK" | "ACK_UPDATE" | "SHUTDOWN_FRAMEWORK" }>;
export type RegisteredMessage = Extract<MasterToAgent, { type: "REGISTERED" }>;

export interface MasterLinkHandlers {
  /** The REGISTER frame for a new connection, built when it opens. */
  registerFrame(): AgentToMaster;
  /** REGISTERED arrived; return false to give this master up (its epoch is behind ours). */
  onRegistered(message: RegisteredMessage, masterAddress: string): boolean;
  /** REGISTERED is behind us: the link is up and the agent may send. */
  onReady(): void;
  onRefused(message: string): void;
  onCommand(command: MasterCommand): void;
  /** A registered connection ended. */
  onDisconnected(): void;
}

export interface MasterLinkOptions {
  detector: MasterDetector;
  logger: Logger;
  random: Random;
  backoffFactorMs: number;
  backoffMaxMs: number;
  connectTimeoutMs: number;
  registerAnswerTimeoutMs: number;
  /** For the quick retries after losing a leader; without it they are off. */
  clock?: Clock;
}

/**
 * After a registered connection ends, an attempt that fails (no leader named yet, or the one named
 * is the dead master the others have not yet given up on) is retried this often (with jitter)
 * rather than with the doubling backoff, for up to `leaderLossPollWindowMs`: an election takes a
 * few hundred milliseconds, and a backoff doubled meanwhile would keep the agent away for seconds
 * after the new leader is up.
 */
export const leaderLossPollMs = 100;
export const leaderLossPollWindowMs = 10_000;

export class MasterLink {
  private stopped = false;
  private attempt = 0;
  private socket: WebSocket | undefined;
  private registered = false;
  private address: string | undefined;
  private wakeUp: (() => void) | undefined;
  private endConnection: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Silence after which the master counts as lost: its ping interval times its allowed misses. */
  private silenceMs = 0;
  private readonly leaderWatch: LeaderWatch;
  /** Monotonic time the last registered connection ended; undefined before any. */
  private leaderLostAtMs: number | undefined;

  constructor(
    private readonly options: MasterLinkOptions,
    private readonly handlers: MasterLinkHandlers,
  ) {
    if (!(options.backoffFactorMs > 0 && options.backoffMaxMs >= options.backoffFactorMs)) {
      throw new Error(`MasterLink: backoff factor ${options.backoffFactorMs} and max ${options.backoffMaxMs} do not fit`);
    }
    this.leaderWatch = new LeaderWatch(options.detector, options.logger);
  }

  start(): void {
    if (this.loop !== undefined) throw new Error("MasterLink.start called twice");
    this.loop = this.run();
  }

  /** Closes the connection and stops retrying. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    this.endConnection?.();
    await this.loop;
  }

  isRegistered(): boolean {
    return this.registered;
  }

  /** host:port of the master we are registered with. */
  masterAddress(): string | undefined {
    return this.registered ? this.address : undefined;
  }

  /** Sends a frame on the registered connection; false when there is none. */
  send(frame: AgentToMaster): boolean {
    if (!this.registered || this.socket === undefined || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private async run(): Promise<void> {
    let pollSoon = false;
    while (!this.stopped) {
      const delayMs = pollSoon
        ? Math.floor(leaderLossPollMs * (0.5 + this.options.random.next()))
        : registrationDelayMs(this.attempt, this.options.backoffFactorMs, this.options.backoffMaxMs, this.options.random);
      await this.sleep(delayMs);
      if (this.stopped) break;
      const wasRegistered = await this.connectOnce();
      const clock = this.options.clock;
      if (wasRegistered && clock !== undefined) this.leaderLostAtMs = clock.monotonicMs();
      pollSoon = !wasRegistered && this.withinLeaderLossWindow();
      if (pollSoon) continue;
      this.attempt = wasRegistered ? 0 : this.attempt + 1;
    }
  }

  private withinLeaderLossWindow(): boolean {
    const clock = this.options.clock;
    return clock !== undefined && this.leaderLostAtMs !== undefined && clock.monotonicMs() - this.leaderLostAtMs < leaderLossPollWindowMs;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** One connection from detection to its end; resolves with whether it got registered. */
  private async connectOnce(): Promise<boolean> {
    let address: string;
    try {
      address = await this.options.detector.detect();
    } catch (error) {
      this.options.logger.warn({ master: this.options.detector.description, err: error, attempt: this.attempt }, "no leading master found");
      return false;
    }
    if (this.stopped) return false;
    this.address = address;
    return new Promise((resolve) => this.openSocket(address, resolve));
  }

  private openSocket(address: string, resolve: (registered: boolean) => void): void {
    const { logger } = this.options;
    const url = `ws://${address}${agentProtocolPath}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    let everRegistered = false;
    let ended = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number, why: string): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        logger.warn({ master: address, timeout_ms: ms }, why);
        end();
      }, ms);
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(watchdog);
      this.leaderWatch.stop();
      const wasRegistered = this.registered;
      this.registered = false;
      this.socket = undefined;
      this.endConnection = undefined;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      terminate(socket);
      if (wasRegistered) this.handlers.onDisconnected();
      resolve(everRegistered);
    };
    this.endConnection = end;
    arm(this.options.connectTimeoutMs, "master connection timed out");
    socket.onopen = () => {
      logger.info({ master: address }, "connected to master, registering");
      socket.send(JSON.stringify(this.handlers.registerFrame()));
      arm(this.options.registerAnswerTimeoutMs, "master did not answer REGISTER");
    };
    socket.onmessage = (event) => {
      const outcome = this.handleFrame(event.data, address, socket);
      if (outcome.kind === "registered") {
        everRegistered = true;
        arm(outcome.silenceMs, "no ping from master, finding the leader again");
        this.leaderWatch.start(address, () => end());
      } else if (outcome.kind === "ping" && this.registered) {
        arm(outcome.silenceMs ?? this.silenceMs, "no ping from master, finding the leader again");
      } else if (outcome.kind === "end") {
        end();
      }
    };
    socket.onclose = (event) => {
      logger.warn({ master: address, code: event.code, reason: event.reason, registered: this.registered }, "master connection closed");
      end();
    };
    socket.onerror = () => {
      logger.debug({ master: address }, "master connection error");
    };
  }

  private handleFrame(data: unknown, address: string, socket: WebSocket): FrameOutcome {
    const { logger } = this.options;
    const text = typeof data === "string" ? data : Buffer.from(data as ArrayBuffer).toString("utf8");
    if (text.length > agentFrameBytesMax) {
      logger.error({ master: address, bytes: text.length, max_bytes: agentFrameBytesMax }, "frame from master too large, reconnecting");
      return { kind: "end" };
    }
    let message: MasterToAgent;
    try {
      message = JSON.parse(text) as MasterToAgent;
    } catch (error) {
      logger.warn({ master: address, err: error }, "unparsable frame from master ignored");
      return { kind: "none" };
    }
    return this.dispatch(message, address, socket);
  }

  private dispatch(message: MasterToAgent, address: string, socket: WebSocket): FrameOutcome {
    const { logger } = this.options;
    switch (message.type) {
      case "PING":
        socket.send(JSON.stringify({ type: "PONG", nonce: message.nonce } satisfies AgentToMaster));
        return { kind: "ping" };
      case "REGISTERED":
        return this.handleRegistered(message, address);
      case "REFUSED":
        logger.error({ master: address, message: message.message }, "master refused registration");
        this.stopped = true;
        this.handlers.onRefused(message.message);
        return { kind: "end" };
      case "RUN_TASKS":
      case "KILL_TASK":
      case "ACK_UPDATE":
      case "SHUTDOWN_FRAMEWORK":
        if (!this.registered) {
          logger.warn({ master: address, command: message.type }, "command before REGISTERED ignored");
          return { kind: "none" };
        }
        this.handlers.onCommand(message);
        return { kind: "none" };
      default:
        logger.warn({ master: address, type: (message as { type?: unknown }).type }, "unknown frame type from master ignored");
        return { kind: "none" };
    }
  }

  private handleRegistered(message: RegisteredMessage, address: string): FrameOutcome {
    if (this.registered) {
      this.options.logger.warn({ master: address }, "second REGISTERED on one connection ignored");
      return { kind: "none" };
    }
    this.registered = true;
    if (!this.handlers.onRegistered(message, address)) {
      this.registered = false;
      return { kind: "end" };
    }
    this.silenceMs = Math.max(1, message.pingIntervalMs * Math.max(1, message.maxPingTimeouts));
    this.handlers.onReady();
    return { kind: "registered", silenceMs: this.silenceMs };
  }
}

type FrameOutcome =
  | { kind: "none" }
  | { kind: "end" }
  | { kind: "ping"; silenceMs?: number }
  | { kind: "registered"; silenceMs: number };

/** Drops the socket without waiting for a closing handshake a dead peer would never answer. */
function terminate(socket: WebSocket): void {
  const withTerminate = socket as WebSocket & { terminate?: () => void };
  if (typeof withTerminate.terminate === "function") {
    withTerminate.terminate();
  } else if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
    socket.close();
  }
}
