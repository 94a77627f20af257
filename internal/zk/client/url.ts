// zk://[user:password@]host:port[,host:port]/path, as Mesos's --zk and --master take it. The path
// names the group znode the masters join; it is not a chroot.

import { invalidPathReason } from "../paths.ts";
import { zkUrlHostsMax } from "./limits.ts";

export interface ZkServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ZkUrl {
  readonly servers: readonly ZkServerAddress[];
  /** The group path, without a trailing slash; never "/". */
  readonly path: string;
  /** "user:password" for the digest scheme, when the URL carries one. */
  readonly digestCredentials: string | undefined;
}

const defaultPort = 2181;

/** Parses a zk:// URL; throws an Error naming what is wrong. */
export function parseZkUrl(text: string): ZkUrl {
  const shown = redactZkUrl(text);
  if (!text.startsWith("zk://")) throw new Error(`'${shown}' is not a zk:// URL`);
  let rest = text.slice("zk://".length);
  let digestCredentials: string | undefined;
  const slash = rest.indexOf("/");
  const at = rest.lastIndexOf("@", slash === -1 ? rest.length : slash);
  if (at !== -1) {
    digestCredentials = rest.slice(0, at);
    if (!digestCredentials.includes(":")) throw new Error(`'${shown}': credentials must be user:password`);
    rest = rest.slice(at + 1);
  }
  const pathStart = rest.indexOf("/");
  if (pathStart === -1) throw new Error(`'${shown}' has no path (zk://host:port/path)`);
  const servers = rest.slice(0, pathStart).split(",").map((entry) => parseServer(entry.trim(), shown));
  if (servers.length > zkUrlHostsMax) throw new Error(`'${shown}' names ${servers.length} hosts; at most ${zkUrlHostsMax}`);
  const path = rest.slice(pathStart).replace(/\/+$/, "");
  if (path === "") throw new Error(`'${shown}': the path must name a znode below / (as in Mesos, / itself is not supported)`);
  const reason = invalidPathReason(path);
  if (reason !== null) throw new Error(`'${shown}': bad path '${path}': ${reason}`);
  return { servers, path, digestCredentials };
}

function parseServer(entry: string, shown: string): ZkServerAddress {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(entry);
  if (match === null) throw new Error(`'${shown}': '${entry}' is not host:port`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`'${shown}': port ${port} is out of range`);
  const host = match[1]!.startsWith("[") ? match[1]!.slice(1, -1) : match[1]!;
  return { host, port };
}

/** The URL with its password hidden, for logs and descriptions. */
export function redactZkUrl(text: string): string {
  return text.replace(/^zk:\/\/([^@/]*)@/, (_m, userInfo: string) => {
    const colon = userInfo.indexOf(":");
    return colon === -1 ? "zk://[redacted]@" : `zk://${userInfo.slice(0, colon)}:[redacted]@`;
  });
}
