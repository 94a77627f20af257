// A small reader and writer for data-driven test files in the style of etcd's datadriven package:
// a command on one line, optionally `----` and the expected output up to the next blank line.
// `#` starts a comment. Used by the core's script tests.

export interface Directive {
  readonly kind: "directive";
  readonly lineNo: number;
  readonly line: string;
  readonly expected: string[] | undefined;
}

export type Block = Directive | { readonly kind: "text"; readonly line: string };

export function parseScript(text: string): Block[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.trimStart().startsWith("#")) {
      blocks.push({ kind: "text", line });
      continue;
    }
    const lineNo = i + 1;
    let expected: string[] | undefined;
    if (lines[i + 1] === "----") {
      expected = [];
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== "") expected.push(lines[i++]!);
      if (i < lines.length) i--;
    }
    blocks.push({ kind: "directive", lineNo, line, expected });
  }
  return blocks;
}

export function renderScript(blocks: readonly Block[], outputs: ReadonlyMap<Directive, readonly string[]>): string {
  const out: string[] = [];
  blocks.forEach((block, i) => {
    out.push(block.line);
    if (block.kind === "text") return;
    const output = outputs.get(block) ?? [];
    if (output.length === 0 && block.expected === undefined) return;
    out.push("----", ...output);
    const next = blocks[i + 1];
    if (next !== undefined && !(next.kind === "text" && next.line.trim() === "")) out.push("");
  });
  return out.join("\n") + "\n";
}

export interface Args {
  readonly positional: readonly string[];
  readonly named: ReadonlyMap<string, string>;
}

/** Splits `a b key=value key=(x y)` into positional words and named values (parens keep spaces). */
export function parseArgs(text: string): Args {
  const positional: string[] = [];
  const named = new Map<string, string>();
  const tokens = text.match(/[^\s=]+=\([^)]*\)|\S+/g) ?? [];
  for (const token of tokens) {
    const eq = token.indexOf("=");
    if (eq > 0) {
      let value = token.slice(eq + 1);
      if (value.startsWith("(") && value.endsWith(")")) value = value.slice(1, -1);
      named.set(token.slice(0, eq), value);
    } else {
      positional.push(token);
    }
  }
  return { positional, named };
}

/** `(1 2 3)` or `1,2,3` as a list of words. */
export function listArg(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(/[\s,]+/).filter((word) => word !== "");
}
