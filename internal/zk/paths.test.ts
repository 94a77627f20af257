import { describe, expect, test } from "bun:test";
import { childName, invalidPathReason, isValidPath, joinPath, parentPath, selfAndAncestors } from "./paths.ts";

describe("paths", () => {
  test("accepts what ZooKeeper accepts", () => {
    for (const p of ["/", "/a", "/a/b", "/a.b", "/..a", "/a..", "/.a/b.", "/zookeeper/quota", "/with space", "/ü"]) {
      expect(invalidPathReason(p)).toBeNull();
    }
  });

  test("rejects what ZooKeeper rejects", () => {
    const bad: [string, RegExp][] = [
      ["", /length/],
      ["a", /start with/],
      ["/a/", /end with/],
      ["//a", /empty node name/],
      ["/a//b", /empty node name/],
      ["/.", /relative/],
      ["/..", /relative/],
      ["/a/./b", /relative/],
      ["/a/../b", /relative/],
      ["/a\u0000", /null/],
      ["/a\u0001", /invalid character/],
      ["/a\u007f", /invalid character/],
      ["/a\ud83d\ude00", /invalid character/],
      ["/a\ufff5", /invalid character/],
    ];
    for (const [p, why] of bad) {
      expect(invalidPathReason(p)).toMatch(why);
      expect(isValidPath(p)).toBe(false);
    }
  });

  test("parent, child, join and ancestors", () => {
    expect(parentPath("/a/b/c")).toBe("/a/b");
    expect(parentPath("/a")).toBe("/");
    expect(childName("/a/b")).toBe("b");
    expect(joinPath("/", "x")).toBe("/x");
    expect(joinPath("/a", "x")).toBe("/a/x");
    expect(Array.from(selfAndAncestors("/a/b"))).toEqual(["/a/b", "/a", "/"]);
    expect(Array.from(selfAndAncestors("/"))).toEqual(["/"]);
  });
});
