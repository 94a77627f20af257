import { describe, expect, test } from "bun:test";
import { RecordIODecoder, RecordIOError, encodeRecord, encodeRecordBytes } from "./recordio.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("encodeRecord", () => {
  test("prefixes the JSON with its length and a line feed", () => {
    expect(encodeRecord({ type: "HEARTBEAT" })).toBe('20\n{"type":"HEARTBEAT"}');
  });

  test("counts UTF-8 bytes, not characters", () => {
    const record = encodeRecord({ message: "héllo ✓ 𝄞" });
    const [size, text] = [record.slice(0, record.indexOf("\n")), record.slice(record.indexOf("\n") + 1)];
    expect(text.length).not.toBe(bytes(text).byteLength);
    expect(Number(size)).toBe(bytes(text).byteLength);
    expect(encodeRecordBytes({ message: "é" })).toEqual(bytes(encodeRecord({ message: "é" })));
  });
});

describe("RecordIODecoder", () => {
  const events = [{ type: "SUBSCRIBED", subscribed: { framework_id: { value: "f" } } }, { type: "HEARTBEAT" }, { type: "ERROR", error: { message: "ünïcödé ✓ 𝄞" } }];
  const stream = bytes(events.map((event) => encodeRecord(event)).join(""));

  test("round trip, several records in one chunk", () => {
    const decoder = new RecordIODecoder();
    expect(decoder.push(stream).map((text) => JSON.parse(text))).toEqual(events);
    expect(decoder.isAtBoundary()).toBe(true);
  });

  test("every split point, including inside multibyte characters and the size", () => {
    for (let cut = 0; cut <= stream.byteLength; cut++) {
      const decoder = new RecordIODecoder();
      const records = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(records.map((text) => JSON.parse(text))).toEqual(events);
    }
  });

  test("one byte at a time", () => {
    const decoder = new RecordIODecoder();
    const records: string[] = [];
    for (let index = 0; index < stream.byteLength; index++) {
      const completed = decoder.push(stream.subarray(index, index + 1));
      records.push(...completed);
      // Between records only right after one completes.
      if (completed.length === 0) expect(decoder.isAtBoundary()).toBe(false);
    }
    expect(records.map((text) => JSON.parse(text))).toEqual(events);
  });

  test("an empty record and blank lines between records", () => {
    const decoder = new RecordIODecoder();
    expect(decoder.push(bytes("\n0\n\n2\n{}"))).toEqual(["", "{}"]);
  });

  test("a non-numeric size is an error, and the decoder stays failed", () => {
    const decoder = new RecordIODecoder();
    expect(() => decoder.push(bytes("12a\n"))).toThrow(RecordIOError);
    expect(() => decoder.push(bytes("2\n{}"))).toThrow(/decimal digits/);
  });

  test("a negative or signed size is an error", () => {
    expect(() => new RecordIODecoder().push(bytes("-5\n"))).toThrow(/decimal digits/);
    expect(() => new RecordIODecoder().push(bytes("+5\n"))).toThrow(/decimal digits/);
  });

  test("a record over the limit is an error before its body arrives", () => {
    const decoder = new RecordIODecoder(10);
    expect(decoder.push(bytes("10\n0123456789"))).toEqual(["0123456789"]);
    expect(() => decoder.push(bytes("11\n"))).toThrow(/larger than the limit of 10/);
  });

  test("a size line without end is an error once longer than a uint64", () => {
    expect(() => new RecordIODecoder().push(bytes("1".repeat(25)))).toThrow(/too long/);
  });

  test("a record that is not UTF-8 is an error", () => {
    expect(() => new RecordIODecoder().push(new Uint8Array([0x32, 0x0a, 0xc3, 0x28]))).toThrow(/UTF-8/);
  });

  test("a partial record leaves the decoder off a boundary", () => {
    const decoder = new RecordIODecoder();
    expect(decoder.push(bytes("5\n{}"))).toEqual([]);
    expect(decoder.isAtBoundary()).toBe(false);
  });
});
