// Operations on sorted, duplicate-free string arrays (the items of a SET resource).

/** Sorts and removes duplicates. */
export function normalizeItems(items: readonly string[]): string[] {
  const sorted = items.slice().sort(compareStrings);
  const out: string[] = [];
  for (const item of sorted) if (out[out.length - 1] !== item) out.push(item);
  return out;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function unionItems(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

export function subtractItems(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let j = 0;
  for (const item of a) {
    while (j < b.length && b[j]! < item) j++;
    if (b[j] !== item) out.push(item);
  }
  return out;
}

/** Whether every item of `inner` is in `outer`. */
export function containsItems(outer: readonly string[], inner: readonly string[]): boolean {
  let i = 0;
  for (const item of inner) {
    while (i < outer.length && outer[i]! < item) i++;
    if (outer[i] !== item) return false;
  }
  return true;
}

/** The first item present in both, if any. */
export function firstCommonItem(a: readonly string[], b: readonly string[]): string | undefined {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) return x;
    if (x < y) i++;
    else j++;
  }
  return undefined;
}

export function equalItems(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `{a,b,c}`; the parser accepts this back. */
export function formatItems(items: readonly string[]): string {
  return `{${items.join(",")}}`;
}
