// Jute binary encoding as ZooKeeper's BinaryInputArchive/BinaryOutputArchive write it: big-endian
// int (4 bytes) and long (8 bytes), boolean as one byte, buffer and ustring as an int length
// (-1 for null) followed by the bytes, vector as an int count (-1 for null) followed by elements.

/** Thrown when a packet is shorter than its fields claim, or a length is out of range. */
export class JuteDecodeError extends Error {
  override name = "JuteDecodeError";
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const textEncoder = new TextEncoder();

export class JuteReader {
  private readonly view: DataView;
  offset: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(byteCount: number): void {
    if (this.offset + byteCount > this.end) {
      throw new JuteDecodeError(`need ${byteCount} bytes at offset ${this.offset}, have ${this.end - this.offset}`);
    }
  }

  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  long(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return v;
  }

  /** A long read as a JS number; exact for values within +-2^53 (zxids, times, ttls). */
  longNumber(): number {
    this.need(8);
    const hi = this.view.getInt32(this.offset);
    const lo = this.view.getUint32(this.offset + 4);
    this.offset += 8;
    return hi * 4294967296 + lo;
  }

  bool(): boolean {
    this.need(1);
    const v = this.bytes[this.offset]!;
    this.offset += 1;
    return v !== 0;
  }

  /** A buffer; null when the length is -1. The result is a view, not a copy. */
  bufferOrNull(): Uint8Array | null {
    const len = this.int();
    if (len === -1) return null;
    if (len < 0) throw new JuteDecodeError(`negative buffer length ${len}`);
    this.need(len);
    const out = this.bytes.subarray(this.offset, this.offset + len);
    this.offset += len;
    return out;
  }

  /** A buffer copied out of the packet, so it may outlive the packet's memory; null reads as empty. */
  bufferCopy(): Uint8Array {
    const view = this.bufferOrNull();
    return view === null ? new Uint8Array(0) : view.slice();
  }

  stringOrNull(): string | null {
    const len = this.int();
    if (len === -1) return null;
    if (len < 0) throw new JuteDecodeError(`negative string length ${len}`);
    this.need(len);
    const start = this.offset;
    this.offset += len;
    return decodeUtf8(this.bytes, start, start + len);
  }

  /** A string where null is not allowed by the record; null decodes as an error. */
  string(): string {
    const s = this.stringOrNull();
    if (s === null) throw new JuteDecodeError("null string");
    return s;
  }

  /** Vector count; -1 (null) reads as 0. Bounds each element to at least one byte left. */
  vectorLength(): number {
    const count = this.int();
    if (count === -1) return 0;
    if (count < 0 || count > this.remaining()) throw new JuteDecodeError(`bad vector length ${count}`);
    return count;
  }

  stringVector(): string[] {
    const count = this.vectorLength();
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.string());
    return out;
  }
}

/** ASCII fast path; falls back to TextDecoder for anything else. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return textDecoder.decode(bytes.subarray(start, end));
}

const WRITER_INITIAL_BYTES = 256;

export class JuteWriter {
  private buf: Uint8Array;
  private view: DataView;
  offset = 0;

  constructor(initialBytes = WRITER_INITIAL_BYTES) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(byteCount: number): void {
    const needed = this.offset + byteCount;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.offset));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  int(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.offset, v);
    this.offset += 4;
    return this;
  }

  long(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.offset, BigInt.asIntN(64, v));
    this.offset += 8;
    return this;
  }

  /** A long from a JS number (zxids, times); exact within +-2^53. */
  longNumber(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / 4294967296);
    this.view.setInt32(this.offset, hi);
    this.view.setUint32(this.offset + 4, v - hi * 4294967296);
    this.offset += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.offset++] = v ? 1 : 0;
    return this;
  }

  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.offset);
    this.offset += v.length;
    return this;
  }

  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.offset);
    this.offset += v.length;
    return this;
  }

  string(v: string | null): this {
    if (v === null) return this.int(-1);
    const n = v.length;
    let ascii = n < 256;
    if (ascii) {
      for (let i = 0; i < n; i++) {
        if (v.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
    }
    if (ascii) {
      this.ensure(4 + n);
      this.view.setInt32(this.offset, n);
      let o = this.offset + 4;
      for (let i = 0; i < n; i++) this.buf[o++] = v.charCodeAt(i);
      this.offset = o;
      return this;
    }
    const encoded = textEncoder.encode(v);
    return this.buffer(encoded);
  }

  stringVector(v: readonly string[] | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    for (const s of v) this.string(s);
    return this;
  }

  /** Overwrites an int already written at `at` (used to patch a length prefix). */
  patchInt(at: number, v: number): void {
    this.view.setInt32(at, v);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.offset);
  }

  reset(): void {
    this.offset = 0;
  }
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
