import { expect, test } from "bun:test";
import { parseZkUrl, redactZkUrl } from "./url.ts";

test("hosts, path and credentials", () => {
  expect(parseZkUrl("zk://h1:2181,h2:2182/mesos")).toEqual({ servers: [{ host: "h1", port: 2181 }, { host: "h2", port: 2182 }], path: "/mesos", digestCredentials: undefined });
  expect(parseZkUrl("zk://alice:s3cr@t@10.0.0.1:2181/a/b/")).toEqual({ servers: [{ host: "10.0.0.1", port: 2181 }], path: "/a/b", digestCredentials: "alice:s3cr@t" });
  expect(parseZkUrl("zk://h1/mesos").servers).toEqual([{ host: "h1", port: 2181 }]);
  expect(parseZkUrl("zk://[::1]:2181/mesos").servers).toEqual([{ host: "::1", port: 2181 }]);
});

test("refusals name the problem", () => {
  expect(() => parseZkUrl("http://h1:2181/mesos")).toThrow("not a zk:// URL");
  expect(() => parseZkUrl("zk://h1:2181")).toThrow("has no path");
  expect(() => parseZkUrl("zk://h1:2181/")).toThrow("/ itself is not supported");
  expect(() => parseZkUrl("zk://h1:99999/mesos")).toThrow("out of range");
  expect(() => parseZkUrl("zk://h1:2181,,h2:2181/mesos")).toThrow("is not host:port");
  expect(() => parseZkUrl("zk://alice@h1:2181/mesos")).toThrow("user:password");
  expect(() => parseZkUrl("zk://h1:2181/a//b")).toThrow("bad path");
});

test("the password never shows", () => {
  expect(redactZkUrl("zk://alice:secret@h1:2181/mesos")).toBe("zk://alice:[redacted]@h1:2181/mesos");
  expect(redactZkUrl("zk://h1:2181/mesos")).toBe("zk://h1:2181/mesos");
  expect(() => parseZkUrl("zk://alice:secret@h1:99999/mesos")).toThrow("zk://alice:[redacted]@h1:99999/mesos");
});
