// One-line renderings of entries, messages and Readys, for scripts, logs and failure reports.

import { assertNever } from "../runtime/index.ts";
import { formatConf, formatConfChange } from "./membership.ts";
import type { Entry, Message, Ready } from "./types.ts";

const textDecoder = new TextDecoder("utf-8", { fatal: true });
const shownDataBytesMax = 24;

function formatData(data: Uint8Array): string {
  if (data.length === 0) return "noop";
  try {
    const text = textDecoder.decode(data.subarray(0, shownDataBytesMax));
    if (/^[\x21-\x7e]+$/.test(text)) return data.length > shownDataBytesMax ? `${text}…` : text;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // not UTF-8: shown as hex below
  }
  const hex = Array.from(data.subarray(0, shownDataBytesMax / 2), (b) => b.toString(16).padStart(2, "0")).join("");
  return `0x${hex}${data.length > shownDataBytesMax / 2 ? "…" : ""}`;
}

export function formatEntry(e: Entry): string {
  return `${e.term}/${e.index}:${e.kind === "normal" ? formatData(e.data) : formatConfChange(e.change)}`;
}

export function formatEntries(entries: readonly Entry[]): string {
  return `[${entries.map(formatEntry).join(" ")}]`;
}

export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case "preVote":
    case "vote":
      return `${head} last=${m.lastTerm}/${m.lastIndex}${m.transfer ? " transfer" : ""}`;
    case "preVoteResp":
    case "voteResp":
      return `${head} ${m.reject ? "rejected" : "granted"}`;
    case "append":
      return `${head} prev=${m.prevTerm}/${m.prevIndex} commit=${m.commit}${m.entries.length > 0 ? " " + formatEntries(m.entries) : ""}`;
    case "appendResp":
      return m.reject
        ? `${head} reject index=${m.index} hint=${m.hintTerm}/${m.hintIndex}`
        : `${head} index=${m.index}`;
    case "heartbeat":
      return `${head} commit=${m.commit}`;
    case "heartbeatResp":
    case "timeoutNow":
      return head;
    case "snapshot":
      return `${head} index=${m.snapshot.term}/${m.snapshot.index} ${formatConf(m.snapshot.conf)}`;
    default:
      return assertNever(m);
  }
}

/** The persisted and applied parts of a Ready on one line (messages are listed separately). */
export function formatReady(rd: Ready): string {
  const parts: string[] = [];
  if (rd.softState !== null) {
    const s = rd.softState;
    parts.push(`${s.role} t${s.term}${s.leader !== null && s.role !== "leader" ? ` leader=${s.leader}` : ""}`);
  }
  if (rd.hardState !== null) {
    const h = rd.hardState;
    parts.push(`hs t${h.term}${h.vote !== null ? ` vote=${h.vote}` : ""} commit=${h.commit}`);
  }
  if (rd.snapshot !== null) parts.push(`snapshot ${rd.snapshot.term}/${rd.snapshot.index} ${formatConf(rd.snapshot.conf)}`);
  if (rd.entries.length > 0) parts.push(`append ${formatEntries(rd.entries)}`);
  if (rd.committedEntries.length > 0) parts.push(`apply ${formatEntries(rd.committedEntries)}`);
  if (rd.entries.length === 0 && rd.hardState !== null && !rd.mustSync) parts.push("nosync");
  return parts.join(" | ");
}
