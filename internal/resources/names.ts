// What a name, role or set item may look like. Each check returns the problem as text, or
// undefined when the value is fine, so the parser can attach the token it came from.

import { attributeTextCharsMax, nameCharsMax, roleNameCharsMax } from "./limits.ts";
import { unreservedRole } from "./types.ts";

/** Characters that separate tokens in the text grammar; none may appear inside a token. */
const grammarChars = "()[]{}:;,";

/**
 * Mesos' "text" alphabet, [a-zA-Z0-9_/.-], used for resource names, attribute names and set items.
 * Keeping to it guarantees that whatever we print parses back to the same value.
 */
function isTextChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 48 && code <= 57) || // 0-9
    code === 95 || // _
    code === 47 || // /
    code === 46 || // .
    code === 45 // -
  );
}

function describeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (code <= 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return char;
}

function textProblem(text: string, what: string): string | undefined {
  if (text.length === 0) return `empty ${what}`;
  if (text.length > nameCharsMax) return `${what} longer than ${nameCharsMax} characters`;
  for (let i = 0; i < text.length; i++) {
    if (!isTextChar(text.charCodeAt(i))) {
      return `${what} contains invalid character '${describeChar(text[i]!)}' (allowed: a-z A-Z 0-9 _ / . -)`;
    }
  }
  return undefined;
}

/** Problem with a resource or attribute name, if any. */
export function nameProblem(name: string): string | undefined {
  return textProblem(name, "name");
}

/** Problem with one item of a SET value, if any. */
export function setItemProblem(item: string): string | undefined {
  return textProblem(item, "set item");
}

function isWhitespaceOrControl(code: number): boolean {
  // C0 controls and space, DEL, C1 controls and the Unicode spaces a terminal would not show.
  return (
    code <= 0x20 ||
    (code >= 0x7f && code <= 0xa0) ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200b) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Problem with a role name, if any. Mesos makes every role a directory name, so a role may not be
 * empty, `.` or `..`, start with `-`, or contain `/`, whitespace or control characters. We also
 * refuse the characters our own grammar uses and a `*` anywhere but as the whole unreserved role.
 */
export function roleProblem(role: string): string | undefined {
  if (role === unreservedRole) return undefined;
  if (role.length === 0) return "empty role";
  if (role.length > roleNameCharsMax) return `role longer than ${roleNameCharsMax} characters`;
  if (role === "." || role === "..") return `role must not be '${role}'`;
  if (role.startsWith("-")) return `role '${role}' must not start with '-'`;
  for (let i = 0; i < role.length; i++) {
    const char = role[i]!;
    const code = role.charCodeAt(i);
    if (isWhitespaceOrControl(code)) {
      return `role '${role}' contains whitespace or control character '${describeChar(char)}'`;
    }
    if (char === "/") return `role '${role}' must not contain '/'`;
    if (char === "*") return `role '${role}' may use '*' only as the whole role`;
    if (grammarChars.includes(char)) return `role '${role}' must not contain '${char}'`;
  }
  return undefined;
}

/** Characters a TEXT value may not contain, since the grammar gives them a meaning. */
const textForbiddenChars = ";:()[]{}";

/** Problem with an attribute TEXT value, if any. */
export function attributeTextProblem(text: string): string | undefined {
  if (text.length === 0) return "missing value";
  if (text.length > attributeTextCharsMax) return `text longer than ${attributeTextCharsMax} characters`;
  if (text.trim() !== text) return "text has leading or trailing whitespace";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return "text contains a control character";
    if (textForbiddenChars.includes(text[i]!)) return `text contains '${text[i]}'`;
  }
  return undefined;
}
