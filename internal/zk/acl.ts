// ACLs and authentication ids the way ZooKeeper's server treats them: schemes world, auth, ip and
// digest; digest ids are "user:" + base64(sha1("user:password")); the "auth" pseudo-scheme expands
// to the caller's authenticated digest ids; a "super" id passes every check.

import { createHash } from "node:crypto";
import { Perms } from "./constants.ts";
import type { Acl } from "./records.ts";

export interface AuthId {
  readonly scheme: string;
  readonly id: string;
}

export const OPEN_ACL_UNSAFE: readonly Acl[] = Object.freeze([{ perms: Perms.ALL, scheme: "world", id: "anyone" }]);
export const READ_ACL_UNSAFE: readonly Acl[] = Object.freeze([{ perms: Perms.READ, scheme: "world", id: "anyone" }]);

/** "user:password" -> "user:" + base64(sha1("user:password")). */
export function digestId(userPassword: string): string {
  const colon = userPassword.indexOf(":");
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  const hash = createHash("sha1").update(userPassword, "utf8").digest("base64");
  return `${user}:${hash}`;
}

/** Java's String.split(":") drops trailing empty parts; a digest id must split into exactly two. */
function isValidDigestId(id: string): boolean {
  const parts = id.split(":");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.length === 2;
}

function parseIpv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

function parseIpv6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split("::").length > 2) return null;
  const [head, tail] = s.includes("::") ? s.split("::") : [s, null];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === null ? missing !== 0 : missing < 1) return null;
  const groups = [...headGroups, ...new Array<string>(tail === null ? 0 : missing).fill("0"), ...tailGroups];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 0xff);
  }
  return bytes;
}

function ipBytes(s: string): number[] | null {
  return parseIpv4(s) ?? parseIpv6(s);
}

function isValidIpId(id: string): boolean {
  const [addr, bitsText, extra] = id.split("/");
  if (addr === undefined || extra !== undefined) return false;
  const bytes = ipBytes(addr);
  if (bytes === null) return false;
  if (bitsText === undefined) return true;
  if (!/^\d+$/.test(bitsText)) return false;
  return Number(bitsText) <= bytes.length * 8;
}

function ipMatches(clientIp: string, aclExpr: string): boolean {
  const [addr, bitsText] = aclExpr.split("/");
  const want = addr === undefined ? null : ipBytes(addr);
  const have = ipBytes(clientIp);
  if (want === null || have === null || want.length !== have.length) return false;
  const bits = bitsText === undefined ? want.length * 8 : Number(bitsText);
  for (let i = 0; i < want.length; i++) {
    const remaining = bits - i * 8;
    if (remaining <= 0) break;
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if ((want[i]! & mask) !== (have[i]! & mask)) return false;
  }
  return true;
}

/** Strips an IPv4-mapped IPv6 prefix so ip ACLs written as "127.0.0.1" match. */
export function normalizeRemoteAddress(addr: string): string {
  return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
}

export type FixupResult = { ok: true; acl: Acl[] } | { ok: false };

/**
 * Validates an ACL list from a create or setACL request and expands "auth" entries, as
 * PrepRequestProcessor.fixupACL does. Fails (INVALIDACL) on an empty list, an unknown scheme, a
 * malformed id, or "auth" without any authenticated digest id.
 */
export function fixupAcl(acl: readonly Acl[] | null, authIds: readonly AuthId[]): FixupResult {
  if (acl === null || acl.length === 0) return { ok: false };
  const unique: Acl[] = [];
  for (const a of acl) {
    if (!unique.some((u) => u.perms === a.perms && u.scheme === a.scheme && u.id === a.id)) unique.push(a);
  }
  const out: Acl[] = [];
  for (const a of unique) {
    if (a.scheme === "world" && a.id === "anyone") {
      out.push(a);
    } else if (a.scheme === "auth") {
      let any = false;
      for (const id of authIds) {
        if (id.scheme === "digest") {
          any = true;
          out.push({ perms: a.perms, scheme: id.scheme, id: id.id });
        }
      }
      if (!any) return { ok: false };
    } else if (a.scheme === "digest") {
      if (!isValidDigestId(a.id)) return { ok: false };
      out.push(a);
    } else if (a.scheme === "ip") {
      if (!isValidIpId(a.id)) return { ok: false };
      out.push(a);
    } else {
      return { ok: false };
    }
  }
  return { ok: true, acl: out };
}

/** True when one of the caller's ids grants `perm` under `acl` (ZooKeeperServer.checkACL). */
export function aclAllows(acl: readonly Acl[], perm: number, authIds: readonly AuthId[]): boolean {
  if (acl.length === 0) return true;
  for (const id of authIds) if (id.scheme === "super") return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.scheme === "world" && a.id === "anyone") return true;
    for (const id of authIds) {
      if (id.scheme !== a.scheme) continue;
      if (a.scheme === "digest" && id.id === a.id) return true;
      if (a.scheme === "ip" && ipMatches(id.id, a.id)) return true;
    }
  }
  return false;
}

/** The user name whoAmI reports for an auth id. */
export function authUserName(id: AuthId): string {
  if (id.scheme === "digest") return id.id.split(":")[0] ?? "";
  return id.id;
}

/** getACL without ADMIN permission hides digest hashes as "user:x". */
export function redactDigests(acl: readonly Acl[]): Acl[] {
  return acl.map((a) => (a.scheme === "digest" ? { perms: a.perms, scheme: a.scheme, id: a.id.replace(/:.*/, ":x") } : a));
}

export function aclKey(acl: readonly Acl[]): string {
  let s = "";
  for (const a of acl) s += `${a.perms}\u0000${a.scheme}\u0000${a.id}\u0001`;
  return s;
}
