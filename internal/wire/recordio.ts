// Mesos RecordIO (docs/recordio.md), the framing of the scheduler API's event stream: each record
// is its length in bytes as decimal digits, a line feed, then that many bytes of JSON. Chunk
// boundaries carry no meaning (proxies may move them), so the decoder keeps partial records across
// pushes.

export const recordIOContentType = "application/recordio";

/** Largest record the decoder accepts by default; one OFFERS event with many offers stays far below. */
export const recordBytesMaxDefault = 64 * 1024 * 1024;
/** Digits in the largest uint64, the most a record-size may have. */
const sizeDigitsMax = 20;

const encoder = new TextEncoder();

/** One record: the UTF-8 byte length of the JSON text, a line feed, the text. */
export function encodeRecord(json: object): string {
  const text = JSON.stringify(json);
  return `${encoder.encode(text).byteLength}\n${text}`;
}

/** The same record as bytes, for writers that take bytes. */
export function encodeRecordBytes(json: object): Uint8Array {
  return encoder.encode(encodeRecord(json));
}

export class RecordIOError extends Error {
  override readonly name = "RecordIOError";
}

const lineFeed = 0x0a;
const digitZero = 0x30;
const digitNine = 0x39;

/**
 * Streaming decoder: push bytes as they arrive, get back every record completed by them, as text.
 * A bad size line or a record over `recordBytesMax` throws RecordIOError, and the decoder then
 * refuses further input: the stream has lost its framing and cannot be resynchronised.
 */
export class RecordIODecoder {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private sizeText = "";
  /** Body of the record being read, once its size is known. */
  private record: Uint8Array | undefined;
  private filledBytes = 0;
  private failed: RecordIOError | undefined;

  constructor(private readonly recordBytesMax: number = recordBytesMaxDefault) {}

  push(chunk: Uint8Array): string[] {
    if (this.failed !== undefined) throw this.failed;
    const records: string[] = [];
    let offset = 0;
    for (;;) {
      if (this.record !== undefined && this.filledBytes === this.record.byteLength) {
        records.push(this.decodeText(this.record));
        this.record = undefined;
      }
      if (offset >= chunk.byteLength) return records;
      offset = this.record === undefined ? this.readSize(chunk, offset) : this.readBody(chunk, offset);
    }
  }

  /** True when no partial record is held: the stream may end here cleanly. */
  isAtBoundary(): boolean {
    return this.record === undefined && this.sizeText.length === 0;
  }

  private readSize(chunk: Uint8Array, start: number): number {
    let offset = start;
    while (offset < chunk.byteLength) {
      const byte = chunk[offset] as number;
      offset += 1;
      if (byte === lineFeed) {
        // Empty lines between records are skipped, as docs/recordio.md's reader does.
        if (this.sizeText.length > 0) this.startRecord();
        return offset;
      }
      if (byte < digitZero || byte > digitNine) {
        this.fail(`record size must be decimal digits, got byte 0x${byte.toString(16).padStart(2, "0")} after '${this.sizeText}'`);
      }
      this.sizeText += String.fromCharCode(byte);
      if (this.sizeText.length > sizeDigitsMax) this.fail(`record size '${this.sizeText}...' is too long`);
    }
    return offset;
  }

  private startRecord(): void {
    const size = Number(this.sizeText);
    if (size > this.recordBytesMax) this.fail(`record of ${this.sizeText} bytes is larger than the limit of ${this.recordBytesMax}`);
    this.sizeText = "";
    this.record = new Uint8Array(size);
    this.filledBytes = 0;
  }

  private readBody(chunk: Uint8Array, offset: number): number {
    const record = this.record as Uint8Array;
    const take = Math.min(record.byteLength - this.filledBytes, chunk.byteLength - offset);
    record.set(chunk.subarray(offset, offset + take), this.filledBytes);
    this.filledBytes += take;
    return offset + take;
  }

  private decodeText(record: Uint8Array): string {
    try {
      return this.decoder.decode(record);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.fail(`record is not valid UTF-8: ${reason}`);
    }
  }

  private fail(message: string): never {
    this.failed = new RecordIOError(message);
    throw this.failed;
  }
}
