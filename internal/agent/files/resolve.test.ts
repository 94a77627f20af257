import { expect, test } from "bun:test";
import { longestPrefix, normalizeRequestPath } from "./resolve.ts";

test("normalizeRequestPath collapses slashes and dots and refuses '..'", () => {
  expect(normalizeRequestPath("/a//b/./c/")).toBe("/a/b/c");
  expect(normalizeRequestPath("a/b")).toBe("/a/b");
  expect(normalizeRequestPath("/")).toBe("/");
  expect(normalizeRequestPath("/a/../b")).toBeNull();
  expect(normalizeRequestPath("/a/..")).toBeNull();
  expect(normalizeRequestPath("/a/..b")).toBe("/a/..b");
});

test("longestPrefix matches on segment boundaries and prefers the longest", () => {
  const roots = [
    { virtualPath: "/work", realPath: "/r/work" },
    { virtualPath: "/work/slaves/a", realPath: "/r/a" },
  ];
  expect(longestPrefix("/work/slaves/a/x", roots)).toEqual({ root: roots[1]!, suffix: "x" });
  expect(longestPrefix("/work/slaves/ab", roots)).toEqual({ root: roots[0]!, suffix: "slaves/ab" });
  expect(longestPrefix("/work", roots)).toEqual({ root: roots[0]!, suffix: "" });
  expect(longestPrefix("/workshop", roots)).toBeNull();
});
