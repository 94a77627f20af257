// The Mesos resource model: parsing `--resources` / `--attributes` (grammar in parse.ts and
// attributes.ts) and exact arithmetic on immutable Resources values. Pure except detect.ts
// (machine totals) and flag-file.ts (file:// flag values).

export type {
  RangesResource,
  Resource,
  ResourceJSON,
  ResourceType,
  ScalarResource,
  SetResource,
  ValueRange,
} from "./types.ts";
export { unreservedRole } from "./types.ts";
export { ResourcesArithmeticError, ResourcesParseError, type ParseSubject } from "./errors.ts";
export { Resources, rangesResource, scalarResource, setResource } from "./resources.ts";
export { parseResources, parseResourcesJSON, parseResourcesText, type ResourcesParseOptions } from "./parse.ts";
export { parseResourcesJSONValue } from "./parse-json.ts";
export {
  attributesToJSON,
  attributesToJSONArray,
  attributesToText,
  findAttribute,
  parseAttributes,
  type Attribute,
  type AttributeJSON,
  type Attributes,
} from "./attributes.ts";
export { formatThousandths, thousandthsToNumber } from "./scalar.ts";
export { countRanges, formatRanges } from "./ranges.ts";
export { roleProblem } from "./names.ts";
export { defaultResourcesFor, withDefaults, type MachineTotals } from "./defaults.ts";
export { detectDefaultResources, detectMachineTotals } from "./detect.ts";
export { parseAttributesFlag, parseResourcesFlag } from "./flag-file.ts";
export {
  attributeTextCharsMax,
  flagTextCharsMax,
  nameCharsMax,
  rangeBoundMax,
  rangesPerValueMax,
  roleNameCharsMax,
  scalarThousandthsMax,
  setItemsPerValueMax,
} from "./limits.ts";
