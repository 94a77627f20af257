import { describe, expect, test } from "bun:test";
import { aclAllows, authUserName, digestId, fixupAcl, normalizeRemoteAddress, redactDigests } from "./acl.ts";
import { Perms } from "./constants.ts";

const world = (perms: number) => ({ perms, scheme: "world", id: "anyone" });

describe("acl", () => {
  test("digest ids are user:base64(sha1(user:password))", () => {
    expect(digestId("bob:secret")).toBe("bob:fyVmFCwVbTJYrznoSu1koqYEYF0=");
    expect(digestId("bob:pw")).toBe("bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
    // A password may itself contain colons; only the first one splits.
    expect(digestId("u:a:b").startsWith("u:")).toBe(true);
  });

  test("fixupAcl validates schemes and expands auth", () => {
    const bob = { scheme: "digest", id: digestId("bob:pw") };
    const ip = { scheme: "ip", id: "127.0.0.1" };
    expect(fixupAcl(null, [ip])).toEqual({ ok: false });
    expect(fixupAcl([], [ip])).toEqual({ ok: false });
    expect(fixupAcl([{ perms: 31, scheme: "auth", id: "" }], [ip])).toEqual({ ok: false });
    expect(fixupAcl([{ perms: 31, scheme: "auth", id: "" }], [ip, bob])).toEqual({ ok: true, acl: [{ perms: 31, ...bob }] });
    expect(fixupAcl([world(31), world(31)], [])).toEqual({ ok: true, acl: [world(31)] });
    expect(fixupAcl([{ perms: 1, scheme: "world", id: "nobody" }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "digest", id: "nocolon" }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "digest", id: "a:" }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "digest", id: "a:b:c" }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "ip", id: "10.0.0.0/8" }], []).ok).toBe(true);
    expect(fixupAcl([{ perms: 1, scheme: "ip", id: "10.0.0.0/33" }], []).ok).toBe(false);
    expect(fixupAcl([{ perms: 1, scheme: "ip", id: "::1" }], []).ok).toBe(true);
    expect(fixupAcl([{ perms: 1, scheme: "x509", id: "CN=a" }], []).ok).toBe(false);
  });

  test("aclAllows: world, digest, ip ranges, super", () => {
    const bob = { scheme: "digest", id: digestId("bob:pw") };
    const acl = [{ perms: Perms.READ, ...bob }, { perms: Perms.WRITE, scheme: "ip", id: "192.168.0.0/16" }];
    expect(aclAllows(acl, Perms.READ, [bob])).toBe(true);
    expect(aclAllows(acl, Perms.WRITE, [bob])).toBe(false);
    expect(aclAllows(acl, Perms.WRITE, [{ scheme: "ip", id: "192.168.4.5" }])).toBe(true);
    expect(aclAllows(acl, Perms.WRITE, [{ scheme: "ip", id: "192.169.4.5" }])).toBe(false);
    expect(aclAllows(acl, Perms.ADMIN, [{ scheme: "super", id: "" }])).toBe(true);
    expect(aclAllows([world(Perms.READ)], Perms.READ, [])).toBe(true);
    expect(aclAllows([world(Perms.READ)], Perms.READ | Perms.ADMIN, [])).toBe(true);
    expect(aclAllows([], Perms.ADMIN, [])).toBe(true);
  });

  test("redaction, user names, addresses", () => {
    expect(redactDigests([{ perms: 1, scheme: "digest", id: "bob:hash=" }, world(1)])).toEqual([{ perms: 1, scheme: "digest", id: "bob:x" }, world(1)]);
    expect(authUserName({ scheme: "digest", id: "bob:hash" })).toBe("bob");
    expect(authUserName({ scheme: "ip", id: "1.2.3.4" })).toBe("1.2.3.4");
    expect(normalizeRemoteAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeRemoteAddress("::1")).toBe("::1");
  });
});
