import { describe, expect, test } from "bun:test";
import { JuteDecodeError, JuteReader, JuteWriter, utf8Length } from "./jute.ts";

describe("jute", () => {
  test("round-trips every field type", () => {
    const w = new JuteWriter(4);
    w.int(-5).long(-0x8000000000000000n).longNumber(2 ** 40 + 7).longNumber(-3).bool(true).bool(false);
    w.buffer(new Uint8Array([1, 2, 3])).buffer(null).string("héllo /ü").string(null).string("plain");
    w.stringVector(["a", "bc"]).stringVector(null);
    const r = new JuteReader(w.toBytes());
    expect(r.int()).toBe(-5);
    expect(r.long()).toBe(-0x8000000000000000n);
    expect(r.longNumber()).toBe(2 ** 40 + 7);
    expect(r.longNumber()).toBe(-3);
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    expect(Array.from(r.bufferOrNull()!)).toEqual([1, 2, 3]);
    expect(r.bufferOrNull()).toBeNull();
    expect(r.string()).toBe("héllo /ü");
    expect(r.stringOrNull()).toBeNull();
    expect(r.string()).toBe("plain");
    expect(r.stringVector()).toEqual(["a", "bc"]);
    expect(r.stringVector()).toEqual([]);
    expect(r.remaining()).toBe(0);
  });

  test("big-endian layout as Java writes it", () => {
    const w = new JuteWriter();
    w.int(1).longNumber(0x0102030405).string("ab");
    expect(Array.from(w.toBytes())).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 2, 97, 98]);
  });

  test("a truncated field is a decode error, never an out-of-bounds read", () => {
    const w = new JuteWriter();
    w.string("hello").long(1n);
    const bytes = w.toBytes();
    for (let cut = 0; cut < bytes.length; cut++) {
      const r = new JuteReader(bytes.subarray(0, cut));
      expect(() => {
        r.string();
        r.long();
      }).toThrow(JuteDecodeError);
    }
  });

  test("negative and oversized lengths are decode errors", () => {
    const neg = new JuteWriter().int(-2).toBytes();
    expect(() => new JuteReader(neg).bufferOrNull()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(neg).stringOrNull()).toThrow(JuteDecodeError);
    const huge = new JuteWriter().int(0x7fffffff).toBytes();
    expect(() => new JuteReader(huge).bufferOrNull()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(huge).vectorLength()).toThrow(JuteDecodeError);
  });

  test("reads stay inside the given window of a larger buffer", () => {
    const w = new JuteWriter();
    w.int(7).int(8).int(9);
    const r = new JuteReader(w.toBytes(), 4, 8);
    expect(r.int()).toBe(8);
    expect(() => r.int()).toThrow(JuteDecodeError);
  });

  test("utf8Length counts encoded bytes", () => {
    for (const s of ["", "abc", "é", "€", "😀", "a€😀"]) expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
  });
});
