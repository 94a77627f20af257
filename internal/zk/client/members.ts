// Group members as Mesos names them: `<label>_<sequence>` children of the group znode, where the
// sequence is ZooKeeper's ten-digit suffix. The lowest sequence leads. Pure.

/** The label Mesos masters use (json.info_0000000003 holds MasterInfo JSON). */
export const MESOS_MASTER_LABEL = "json.info";

export interface Member {
  readonly name: string;
  readonly sequence: number;
}

/** The sequence of a member znode name, or undefined when it is not one of `label`'s. */
export function memberSequence(name: string, label: string): number | undefined {
  const prefix = `${label}_`;
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  // ZooKeeper formats the counter with %010d; past 2^31 it wraps to a negative number.
  if (!/^-?\d{10,11}$/.test(digits)) return undefined;
  return Number(digits);
}

/** The members among `children`, lowest sequence first. */
export function sortedMembers(children: readonly string[], label: string): Member[] {
  const members: Member[] = [];
  for (const name of children) {
    const sequence = memberSequence(name, label);
    if (sequence !== undefined) members.push({ name, sequence });
  }
  return members.sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export type Standing =
  | { readonly kind: "missing" }
  | { readonly kind: "leader" }
  | { readonly kind: "follower"; readonly predecessor: Member };

/** Where `own` stands: leads when lowest, else follows the member just before it. */
export function standingOf(members: readonly Member[], own: string): Standing {
  const index = members.findIndex((m) => m.name === own);
  if (index === -1) return { kind: "missing" };
  if (index === 0) return { kind: "leader" };
  return { kind: "follower", predecessor: members[index - 1]! };
}
