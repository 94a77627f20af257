import { describe, expect, test } from "bun:test";
import { familyCandidates, interpolateGrafanaVariables, metricNames } from "./promql.ts";

describe("metricNames", () => {
  const cases: Array<[string, string[]]> = [
    ['sum by (role) (rate(cluster_offer_created_total{role=~"$role", framework_name=~"$framework"}[$__rate_interval]))', ["cluster_offer_created_total"]],
    ["histogram_quantile(0.99, sum by (le, op) (rate(zk_server_request_duration_seconds_bucket[5m])))", ["zk_server_request_duration_seconds_bucket"]],
    ['a_total{state="allocated"} / ignoring(state) group_left b_total', ["a_total", "b_total"]],
    ["count(x > scalar(max(y))) or vector(0)", ["x", "y"]],
    ['sum(rate(m{state="by (x)"}[1m] offset 5m)) / on (instance) n', ["m", "n"]],
    ["cluster_master_elected", ["cluster_master_elected"]],
  ];
  for (const [expr, names] of cases) test(expr, () => expect(metricNames(expr)).toEqual(names));
});

test("Grafana variables become what Prometheus accepts", () => {
  expect(interpolateGrafanaVariables('rate(x{role=~"$role", f=~"${framework}"}[$__rate_interval])')).toBe('rate(x{role=~".*", f=~".*"}[1m])');
});

test("histogram series belong to their family", () => {
  expect(familyCandidates("x_seconds_bucket")).toEqual(["x_seconds_bucket", "x_seconds"]);
  expect(familyCandidates("up")).toEqual(["up"]);
});
