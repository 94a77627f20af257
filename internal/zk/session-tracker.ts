// Session expiry, pure: the server tells it the time. Like ZooKeeper's ExpiryQueue, a session's
// deadline is rounded up to the next multiple of the tick, so expiry is checked once per tick and
// sessions expire in batches.

/** A standalone ZooKeeper creates its session ids with server id 1 in the top byte. */
export const STANDALONE_SESSION_SERVER_ID = 1;

export interface TrackedSession {
  readonly sessionId: bigint;
  timeoutMs: number;
  expiresAtMs: number;
  closing: boolean;
}

export class SessionTracker {
  private readonly sessions = new Map<bigint, TrackedSession>();
  private nextId: bigint;
  private readonly serverId: bigint;

  constructor(
    private readonly tickTimeMs: number,
    nowMs: number,
    serverId = STANDALONE_SESSION_SERVER_ID,
  ) {
    this.serverId = BigInt(serverId);
    if (!(tickTimeMs > 0)) throw new Error(`tickTimeMs must be positive, got ${tickTimeMs}`);
    // ZooKeeper: ((time << 24) >>> 8) | (serverId << 56).
    const base = (BigInt(Math.floor(nowMs)) << 24n) & 0xffffffffffffffffn;
    this.nextId = BigInt.asIntN(64, (base >> 8n) | (BigInt(serverId) << 56n));
    if (this.nextId === 0n) this.nextId = 1n;
  }

  /** The first multiple of the tick strictly after `timeMs`. */
  roundToNextTick(timeMs: number): number {
    return (Math.floor(timeMs / this.tickTimeMs) + 1) * this.tickTimeMs;
  }

  /** An id not used by any session known so far. */
  allocateId(): bigint {
    while (this.sessions.has(this.nextId) || this.nextId === 0n) this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    return id;
  }

  /**
   * Keeps ids handed out before a restart from being handed out again. Only ids of this server
   * count: in an ensemble the others' ids (another top byte) are theirs to continue from.
   */
  reserveAbove(sessionId: bigint): void {
    if (BigInt.asUintN(64, sessionId) >> 56n !== this.serverId) return;
    if (sessionId >= this.nextId) this.nextId = BigInt.asIntN(64, sessionId + 1n);
  }

  add(sessionId: bigint, timeoutMs: number, nowMs: number): void {
    this.sessions.set(sessionId, { sessionId, timeoutMs, expiresAtMs: this.roundToNextTick(nowMs + timeoutMs), closing: false });
    this.reserveAbove(sessionId);
  }

  /** Pushes the deadline out; false when the session is unknown or closing. */
  touch(sessionId: bigint, nowMs: number, timeoutMs?: number): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.closing) return false;
    if (timeoutMs !== undefined) s.timeoutMs = timeoutMs;
    const deadline = this.roundToNextTick(nowMs + s.timeoutMs);
    if (deadline > s.expiresAtMs) s.expiresAtMs = deadline;
    return true;
  }

  isActive(sessionId: bigint): boolean {
    const s = this.sessions.get(sessionId);
    return s !== undefined && !s.closing;
  }

  get(sessionId: bigint): TrackedSession | undefined {
    return this.sessions.get(sessionId);
  }

  setClosing(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s !== undefined) s.closing = true;
  }

  remove(sessionId: bigint): void {
    this.sessions.delete(sessionId);
  }

  /** Sessions past their deadline, marked closing so they are reported once. */
  takeExpired(nowMs: number): bigint[] {
    const out: bigint[] = [];
    for (const s of this.sessions.values()) {
      if (!s.closing && s.expiresAtMs <= nowMs) {
        s.closing = true;
        out.push(s.sessionId);
      }
    }
    return out;
  }

  /** The earliest deadline of an open session, to know when to look again. */
  nextDeadlineMs(): number | null {
    let min: number | null = null;
    for (const s of this.sessions.values()) if (!s.closing && (min === null || s.expiresAtMs < min)) min = s.expiresAtMs;
    return min;
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): IterableIterator<TrackedSession> {
    return this.sessions.values();
  }
}
