// MasterInfo as Mesos writes it into its json.info_ znodes: the JSON form of mesos.MasterInfo
// (id, ip as a little-endian uint32, port, pid "master@ip:port", hostname, version, address).

import type { MasterInfo } from "../../wire/index.ts";
import { zkMasterInfoBytesMax } from "./limits.ts";

export type { MasterInfo };

export interface MasterIdentity {
  id: string;
  /** IPv4 dotted quad the master listens on. */
  ip: string;
  port: number;
  hostname?: string;
  version?: string;
}

/** Mesos packs the IPv4 address as the in-memory s_addr read as a little-endian uint32. */
export function ipv4ToMesosNumber(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

export function mesosNumberToIpv4(n: number): string {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join(".");
}

export function masterInfoFor(m: MasterIdentity): MasterInfo {
  const hostname = m.hostname ?? m.ip;
  return {
    id: m.id,
    ip: ipv4ToMesosNumber(m.ip),
    port: m.port,
    pid: `master@${m.ip}:${m.port}`,
    hostname,
    ...(m.version === undefined ? {} : { version: m.version }),
    address: { hostname, ip: m.ip, port: m.port },
  };
}

export function encodeMasterInfo(info: MasterInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(info));
}

/** Parses a json.info_ znode's data; throws an Error saying what is wrong. */
export function parseMasterInfo(bytes: Uint8Array): MasterInfo {
  if (bytes.length > zkMasterInfoBytesMax) throw new Error(`MasterInfo is ${bytes.length} bytes, more than ${zkMasterInfoBytesMax}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`MasterInfo is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("MasterInfo is not a JSON object");
  const info = value as Record<string, unknown>;
  if (typeof info["id"] !== "string") throw new Error("MasterInfo.id must be a string");
  if (typeof info["ip"] !== "number") throw new Error("MasterInfo.ip must be a number");
  if (typeof info["port"] !== "number") throw new Error("MasterInfo.port must be a number");
  const address = info["address"];
  if (address !== undefined && (typeof address !== "object" || address === null)) throw new Error("MasterInfo.address must be an object");
  return value as MasterInfo;
}

const pidPattern = /@([^:@]+):(\d+)$/;

/** host:port to reach the master: address.ip, else the packed ip, else a hostname, else the pid. */
export function masterHostPort(info: MasterInfo): string | undefined {
  const port = info.address?.port ?? info.port;
  const ip = info.address?.ip ?? (info.ip !== 0 ? mesosNumberToIpv4(info.ip) : undefined);
  const host = ip ?? info.address?.hostname ?? info.hostname;
  if (host !== undefined && host !== "" && port > 0 && port <= 65535) return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const match = info.pid === undefined ? null : pidPattern.exec(info.pid);
  return match === null ? undefined : `${match[1]}:${match[2]}`;
}
