// Every input has a ceiling so a typo or a hostile flag cannot make the agent or master allocate
// without bound. Going past any of these is an operating error (ResourcesParseError).

/** Longest `--resources` / `--attributes` text (or file content) we accept. */
export const flagTextCharsMax = 1_048_576;

/** Longest resource name, attribute name or set item. */
export const nameCharsMax = 255;

/** Longest role name; Mesos makes a role a directory name, and 255 is the usual file name limit. */
export const roleNameCharsMax = 255;

/** Most intervals one ranges value may hold after coalescing adjacent ones. */
export const rangesPerValueMax = 65_536;

/** Most items one set value may hold. */
export const setItemsPerValueMax = 65_536;

/** Longest attribute TEXT value. */
export const attributeTextCharsMax = 1024;

/** How much of a bad token an error message repeats before cutting it short. */
export const errorTokenCharsMax = 200;

/** Scalars are kept as integer thousandths; the largest one must stay an exact double. */
export const scalarThousandthsMax = Number.MAX_SAFE_INTEGER;

/** Range bounds are unsigned integers that must stay exact doubles. */
export const rangeBoundMax = Number.MAX_SAFE_INTEGER;

/** Cuts a token to errorTokenCharsMax characters for an error message. */
export function clipToken(token: string): string {
  if (token.length <= errorTokenCharsMax) return token;
  return token.slice(0, errorTokenCharsMax) + "...";
}
