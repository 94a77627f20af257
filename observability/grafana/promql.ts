// What the dashboard tests need to know about PromQL without a parser of their own: Grafana's
// variables replaced by values Prometheus accepts, and the metric names an expression reads.
// Parsing itself is left to Prometheus (promtool check rules, the query API).

/** Grafana's variables as a Prometheus server sees them after interpolation ("All" is `.*`). */
export function interpolateGrafanaVariables(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "1m")
    .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, ".*");
}

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/**
 * Metric names in an expression: identifiers that are not functions or aggregations (followed
 * by `(`), keywords, label names inside `{...}` or `by (...)`-style lists, strings, or durations.
 */
export function metricNames(expr: string): string[] {
  const stripped = interpolateGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice(match.index + name.length).trimStart();
    if (after.startsWith("(") || keywords.has(name.toLowerCase())) continue;
    if (/^[0-9]/.test(name)) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** The metric family a sample name belongs to: `x_bucket`/`x_sum`/`x_count` of histogram x. */
export function familyCandidates(name: string): string[] {
  const candidates = [name];
  for (const suffix of ["_bucket", "_sum", "_count"]) if (name.endsWith(suffix)) candidates.push(name.slice(0, -suffix.length));
  return candidates;
}
