// Scalars in fixed point. Mesos rounds every scalar to three decimal places so that sums of
// fractional cpus do not drift; we go one step further and keep the value as an integer count of
// thousandths, which makes add and subtract exact (0.1 + 0.2 is 300 thousandths, the same as 0.3).

import { scalarThousandthsMax } from "./limits.ts";

export const thousandthsPerUnit = 1000;

/** Either the value in thousandths or the reason the text is not a scalar. */
export type ScalarParseResult =
  | { readonly ok: true; readonly thousandths: number }
  | { readonly ok: false; readonly problem: string };

const nonFiniteWords: ReadonlySet<string> = new Set(["nan", "inf", "infinity"]);

/** Exponents past this many digits cannot produce a representable non-zero scalar. */
const exponentDigitsMax = 6;

/**
 * Parses decimal text (`4`, `0.5`, `.25`, `1e3`) into thousandths, rounding half away from zero at
 * the fourth decimal as Mesos does. Hex, NaN, Infinity and anything else are rejected. Negative
 * numbers are accepted only when `allowNegative` (attributes may be negative, resources may not).
 */
export function parseScalarThousandths(text: string, allowNegative: boolean): ScalarParseResult {
  if (text.length === 0) return { ok: false, problem: "missing value" };
  const first = text[0];
  const negative = first === "-";
  const body = negative || first === "+" ? text.slice(1) : text;
  if (nonFiniteWords.has(body.toLowerCase())) {
    return { ok: false, problem: "not a finite number (NaN and Infinity are not allowed)" };
  }
  const digits = splitDecimal(body);
  if (digits === undefined) return { ok: false, problem: "not a number" };
  const magnitude = roundToThousandths(digits);
  if (magnitude === undefined) return { ok: false, problem: "value too large" };
  if (magnitude === 0) return { ok: true, thousandths: 0 };
  if (negative && !allowNegative) return { ok: false, problem: "negative value" };
  return { ok: true, thousandths: negative ? -magnitude : magnitude };
}

interface DecimalDigits {
  /** All significant digits, integer part then fraction, without a point. */
  readonly mantissa: string;
  /** The value is mantissa * 10^exponent. */
  readonly exponent: number;
}

/** Splits `123.45e-1` into mantissa `12345` and exponent -3; undefined if not plain decimal. */
function splitDecimal(body: string): DecimalDigits | undefined {
  let i = 0;
  let intDigits = "";
  let fracDigits = "";
  while (i < body.length && isDigit(body.charCodeAt(i))) intDigits += body[i++];
  if (body[i] === ".") {
    i++;
    while (i < body.length && isDigit(body.charCodeAt(i))) fracDigits += body[i++];
  }
  if (intDigits.length === 0 && fracDigits.length === 0) return undefined;
  let exponent = 0;
  if (body[i] === "e" || body[i] === "E") {
    i++;
    let sign = 1;
    if (body[i] === "+" || body[i] === "-") sign = body[i++] === "-" ? -1 : 1;
    let expDigits = "";
    while (i < body.length && isDigit(body.charCodeAt(i))) expDigits += body[i++];
    if (expDigits.length === 0) return undefined;
    const trimmed = expDigits.replace(/^0+/, "");
    exponent = trimmed.length > exponentDigitsMax ? sign * 10 ** exponentDigitsMax : sign * Number(expDigits);
  }
  if (i !== body.length) return undefined;
  return { mantissa: intDigits + fracDigits, exponent: exponent - fracDigits.length };
}

/** mantissa * 10^(exponent + 3), rounded half up; undefined when past scalarThousandthsMax. */
function roundToThousandths(digits: DecimalDigits): number | undefined {
  const mantissa = digits.mantissa.replace(/^0+/, "");
  if (mantissa.length === 0) return 0;
  const shift = digits.exponent + 3;
  if (shift >= 0) {
    if (mantissa.length + shift > 17) return undefined;
    const value = BigInt(mantissa) * 10n ** BigInt(shift);
    return value > BigInt(scalarThousandthsMax) ? undefined : Number(value);
  }
  const keepDigits = mantissa.length + shift;
  if (keepDigits < 0) return 0;
  if (keepDigits > 17) return undefined;
  const kept = keepDigits === 0 ? 0n : BigInt(mantissa.slice(0, keepDigits));
  const roundUp = (mantissa.charCodeAt(keepDigits) - 48) >= 5 ? 1n : 0n;
  const value = kept + roundUp;
  return value > BigInt(scalarThousandthsMax) ? undefined : Number(value);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Converts a JSON or programmatic number to thousandths the way Mesos does (round half away from
 * zero after multiplying by 1000). Returns undefined for NaN, Infinity or a value out of range.
 */
export function numberToThousandths(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const magnitude = Math.round(Math.abs(value) * thousandthsPerUnit);
  if (magnitude > scalarThousandthsMax) return undefined;
  if (magnitude === 0) return 0;
  return value < 0 ? -magnitude : magnitude;
}

/** The scalar as a JS number; exact decimals like 0.3 come out as the nearest double, as typed. */
export function thousandthsToNumber(thousandths: number): number {
  return thousandths / thousandthsPerUnit;
}

/** Formats thousandths as the shortest decimal text: 4000 -> `4`, 300 -> `0.3`, 1005 -> `1.005`. */
export function formatThousandths(thousandths: number): string {
  const sign = thousandths < 0 ? "-" : "";
  const magnitude = Math.abs(thousandths);
  const fraction = magnitude % thousandthsPerUnit;
  // Subtracting first keeps the division exact near 2^53, where magnitude / 1000 could round up.
  const whole = (magnitude - fraction) / thousandthsPerUnit;
  if (fraction === 0) return `${sign}${whole}`;
  const fractionText = String(fraction).padStart(3, "0").replace(/0+$/, "");
  return `${sign}${whole}.${fractionText}`;
}
