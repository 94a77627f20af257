// Finding the leading master from --master: `host:port`, a comma list whose members answer
// GET /master/redirect with the leader, `file:///path` holding either (re-read on each detection),
// or `zk://...` (the zk client provides that detector; until then it is refused at start-up).

import { readFileSync, statSync } from "node:fs";
import { masterFileBytesMax, masterRedirectTimeoutMs } from "./limits.ts";

export interface MasterDetector {
  /** The leader's host:port; rejects with DetectionError when no leader can be found right now. */
  detect(): Promise<string>;
  /** What the operator gave, for logs. */
  readonly description: string;
  /**
   * Lists only: asks one other member where the leader is; a different leader that confirms it
   * leads is returned (the one we are connected to may be frozen or cut off and not know yet).
   * With waitMs, the member holds the question open until it knows another leader or waitMs
   * passes (a long poll); timeoutMs bounds each answer beyond that.
   */
  leaderElsewhere?(current: string, timeoutMs: number, waitMs?: number, signal?: AbortSignal): Promise<string | undefined>;
  close(): void;
}

/** No leader could be found this time; the agent retries with backoff. */
export class DetectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DetectionError";
  }
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface DetectorOptions {
  fetch?: FetchLike;
  redirectTimeoutMs?: number;
}

/** A factory for zk:// detectors, installed by the zk client when it exists. */
export type ZkDetectorFactory = (url: string) => MasterDetector;
let zkDetectorFactory: ZkDetectorFactory | undefined;

export function setZkDetectorFactory(factory: ZkDetectorFactory): void {
  zkDetectorFactory = factory;
}

export const zkDetectionMissingMessage =
  "--master=zk://... is not supported yet: zk:// detection arrives with the zk client; use --master=host:port, a comma list of masters, or file:///path";

/** Builds the detector for a --master value; throws for a form that can never work. */
export function createMasterDetector(spec: string, options: DetectorOptions = {}): MasterDetector {
  const trimmed = spec.trim();
  if (trimmed.startsWith("zk://")) {
    if (zkDetectorFactory === undefined) throw new Error(zkDetectionMissingMessage);
    return zkDetectorFactory(trimmed);
  }
  if (trimmed.startsWith("file://")) return new FileDetector(trimmed.slice("file://".length), options);
  return listDetector(trimmed, options);
}

function listDetector(text: string, options: DetectorOptions): MasterDetector {
  const addresses = parseAddressList(text);
  if (addresses.length === 1) return new StaticDetector(addresses[0]!);
  return new RedirectDetector(addresses, options);
}

const hostPortPattern = /^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

export function parseAddressList(text: string): string[] {
  const addresses = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (addresses.length === 0) throw new Error(`no master address in '${text}'`);
  for (const address of addresses) {
    if (!hostPortPattern.test(address)) throw new Error(`'${address}' is not host:port`);
  }
  return addresses;
}

class StaticDetector implements MasterDetector {
  constructor(private readonly address: string) {}
  get description(): string {
    return this.address;
  }
  detect(): Promise<string> {
    return Promise.resolve(this.address);
  }
  close(): void {}
}

/**
 * Asks the masters where the leader is, all at once, and takes the first answer naming one: a
 * member that is frozen or cut off costs nothing while another answers. Mesos's /master/redirect
 * answers 307 with `Location: //host:port` (the leader answers with itself) and 503 while there
 * is no leader.
 */
class RedirectDetector implements MasterDetector {
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private probes = 0;
  /** Members that answered their last question: they may be asked to hold the next one open. */
  private readonly answered = new Set<string>();
  /** Per leader address, the list entries that said they are that leader (409). */
  private readonly leaderEntries = new Map<string, Set<string>>();

  constructor(
    private readonly addresses: readonly string[],
    options: DetectorOptions,
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.timeoutMs = options.redirectTimeoutMs ?? masterRedirectTimeoutMs;
  }

  get description(): string {
    return this.addresses.join(",");
  }

  detect(): Promise<string> {
    const problems = new Array<string>(this.addresses.length);
    let unanswered = this.addresses.length;
    return new Promise((resolve, reject) => {
      this.addresses.forEach((address, i) => {
        void this.askOne(address).then((answer) => {
          if (answer.leader !== undefined) resolve(answer.leader);
          else problems[i] = `${address}: ${answer.problem}`;
          unanswered -= 1;
          if (unanswered === 0) reject(new DetectionError(`no leading master found (${problems.filter(Boolean).join("; ")})`));
        });
      });
    });
  }

  async leaderElsewhere(current: string, timeoutMs: number, waitMs = 0, signal?: AbortSignal): Promise<string | undefined> {
    // `current` may be written differently from its list entry (the leader's hostname), so the
    // rotation may include the leader itself. A member is first asked without waiting: the leader
    // answers 409 (and is left out from then on), a follower answers at once, a frozen master
    // costs the short timeout. Only a member that answered is asked to hold the question open.
    if (this.leaderEntries.get(current) === undefined) this.leaderEntries.set(current, new Set());
    const leaderEntries = this.leaderEntries.get(current)!;
    const others = this.addresses.filter((address) => address !== current && !leaderEntries.has(address));
    const member = others[this.probes % Math.max(1, others.length)];
    if (member === undefined) return undefined;
    const wait = waitMs > 0 && this.answered.has(member) ? waitMs : 0;
    const named = await this.askOne(member, timeoutMs + wait, `?leader_not=${encodeURIComponent(current)}&wait=${Math.ceil(wait)}ms`, signal);
    if (named.status === 409) leaderEntries.add(member);
    if (named.status === undefined) {
      this.answered.delete(member);
      this.probes++;
    } else this.answered.add(member);
    if (named.leader === undefined || named.leader === current) return undefined;
    // A follower's news could be stale; the named master must say it leads.
    const confirmed = await this.askOne(named.leader, timeoutMs, "", signal);
    return confirmed.leader === named.leader ? named.leader : undefined;
  }

  private async askOne(address: string, timeoutMs = this.timeoutMs, query = "", signal?: AbortSignal): Promise<{ leader?: string; problem: string; status?: number }> {
    let response: Response;
    try {
      response = await this.fetch(`http://${address}/master/redirect${query}`, {
        redirect: "manual",
        signal: signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      return { problem: (error as Error).message };
    }
    await response.body?.cancel();
    const status = response.status;
    if (status === 503) return { problem: "no leader elected", status };
    if (status === 304) return { problem: "no other leader within the wait", status };
    if (status === 409) return { problem: "this master is the one named", status };
    const location = response.headers.get("location");
    if (status < 300 || status >= 400 || location === null) return { problem: `answered ${status} without a redirect`, status };
    const leader = leaderFromLocation(location);
    return leader === undefined ? { problem: `unusable Location '${location}'`, status } : { leader, problem: "", status };
  }

  close(): void {}
}

/** `//host:port`, `http://host:port` or `http://host:port/path` to host:port. */
export function leaderFromLocation(location: string): string | undefined {
  const match = /^(?:[a-z]+:)?\/\/([^/?#]+)/i.exec(location.trim());
  const hostPort = match?.[1];
  return hostPort !== undefined && hostPortPattern.test(hostPort) ? hostPort : undefined;
}

/** Re-reads the file on each detection, so the operator can point the agents elsewhere. */
class FileDetector implements MasterDetector {
  constructor(
    private readonly path: string,
    private readonly options: DetectorOptions,
  ) {}

  get description(): string {
    return `file://${this.path}`;
  }

  async detect(): Promise<string> {
    const text = this.read();
    if (text.startsWith("file://")) throw new DetectionError(`${this.path} names another file (${text}); it must hold the masters`);
    let inner: MasterDetector;
    try {
      inner = createMasterDetector(text, this.options);
    } catch (error) {
      throw new DetectionError(`${this.path}: ${(error as Error).message}`);
    }
    try {
      return await inner.detect();
    } finally {
      inner.close();
    }
  }

  private read(): string {
    try {
      if (statSync(this.path).size > masterFileBytesMax) {
        throw new DetectionError(`${this.path} is larger than ${masterFileBytesMax} bytes`);
      }
      return readFileSync(this.path, "utf8").trim();
    } catch (error) {
      if (error instanceof DetectionError) throw error;
      throw new DetectionError(`cannot read ${this.path}: ${(error as Error).message}`);
    }
  }

  close(): void {}
}
