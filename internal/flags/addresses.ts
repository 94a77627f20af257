// Shapes of the address flags. Each check returns undefined when the text is fine, or what was
// expected. Parsing into structured addresses lives with the code that connects (later issues);
// here we only refuse what can never work, at start-up, with the flag named.

const hostPortPattern = /^[A-Za-z0-9._-]+:\d{1,5}$/;

function isHostPort(text: string): boolean {
  if (!hostPortPattern.test(text)) return false;
  const port = Number(text.slice(text.lastIndexOf(":") + 1));
  return port > 0 && port <= 65535;
}

export function checkZkUrl(text: string): string | undefined {
  const expected = `expected a URL of the form zk://[user:password@]host:port[,host:port]/path, got '${redactUserInfo(text)}'`;
  if (!text.startsWith("zk://")) return expected;
  let rest = text.slice("zk://".length);
  const at = rest.lastIndexOf("@");
  if (at !== -1) rest = rest.slice(at + 1);
  const slash = rest.indexOf("/");
  if (slash === -1 || slash === rest.length - 1) return expected;
  const hosts = rest.slice(0, slash).split(",");
  return hosts.every(isHostPort) ? undefined : expected;
}

export function checkMasterAddress(text: string): string | undefined {
  if (text.startsWith("zk://")) return checkZkUrl(text);
  if (text.startsWith("file://")) {
    return text.length > "file://".length && text.slice("file://".length).startsWith("/")
      ? undefined
      : `expected file:///absolute/path, got '${text}'`;
  }
  const list = text.split(",");
  return list.every((entry) => isHostPort(entry.trim()))
    ? undefined
    : `expected host:port, a comma list of host:port, zk://host:port[,host:port]/path or file:///path, got '${text}'`;
}

/** Masters in one --masters list; the Raft core's limit on members (voters plus learners). */
export const mastersListMax = 15;

export function checkMastersList(text: string): string | undefined {
  const list = text.split(",").map((entry) => entry.trim());
  if (!list.every(isHostPort)) return `expected a comma list of host:port, got '${text}'`;
  if (new Set(list).size !== list.length) return `a master is listed twice in '${text}'`;
  if (list.length > mastersListMax) return `at most ${mastersListMax} masters, got ${list.length}`;
  return undefined;
}

/** Hides the password part of user:password@ in URLs, for /flags and logs. */
export function redactUserInfo(text: string): string {
  return text.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_match, scheme: string) => `${scheme}[redacted]@`);
}
