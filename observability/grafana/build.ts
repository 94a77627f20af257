// Builds Grafana 10+ dashboard JSON from short panel definitions (dashboards.ts): every panel
// queries the `${datasource}` Prometheus variable, panels are laid out left to right in rows of
// 24 columns, ids are assigned in order. `bun observability/grafana/generate.ts` writes the files;
// a test checks the committed files are what this produces.

export type Unit = "short" | "s" | "bytes" | "percentunit" | "ops" | "reqps" | "none";

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  type?: "timeseries" | "stat" | "state-timeline" | "bargauge";
  queries: Query[];
  unit?: Unit;
  /** Columns out of 24; default 12. */
  width?: number;
  /** Rows of 30 px; default 8 (4 for stats). */
  height?: number;
  description?: string;
  /** For state timelines: value → text. */
  mappings?: Record<string, string>;
  /** Bars instead of lines (counts per interval). */
  bars?: boolean;
  stacked?: boolean;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** A label_values(...) query. */
  query: string;
  multi?: boolean;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  variables?: VariableSpec[];
  rows: Array<{ title: string; panels: PanelSpec[] }>;
}

const datasource = { type: "prometheus", uid: "${datasource}" } as const;
const gridColumns = 24;

export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: gridColumns, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 12;
      const h = panel.height ?? (panel.type === "stat" ? 4 : 8);
      if (x + w > gridColumns) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(buildPanel(panel, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["cluster", ...(spec.tags ?? [])],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    timepicker: {},
    timezone: "browser",
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: "",
    annotations: { list: [] },
    links: [{ title: "cluster dashboards", type: "dashboards", tags: ["cluster"], asDropdown: true, includeVars: true, keepTime: true }],
    templating: { list: [datasourceVariable(), ...(spec.variables ?? []).map(queryVariable)] },
    panels,
  };
}

function datasourceVariable(): Record<string, unknown> {
  return { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "", includeAll: false, multi: false, options: [], skipUrlSync: false };
}

function queryVariable(variable: VariableSpec): Record<string, unknown> {
  return {
    name: variable.name,
    label: variable.label,
    type: "query",
    datasource,
    query: { query: variable.query, refId: `${variable.name}-query`, qryType: 1 },
    definition: variable.query,
    refresh: 2,
    includeAll: true,
    allValue: ".*",
    multi: variable.multi ?? true,
    current: { selected: true, text: ["All"], value: ["$__all"] },
    options: [],
    sort: 1,
    hide: 0,
    regex: "",
    skipUrlSync: false,
  };
}

function buildPanel(panel: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }): Record<string, unknown> {
  const type = panel.type ?? "timeseries";
  const targets = panel.queries.map((query, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource,
    expr: query.expr,
    legendFormat: query.legend ?? "__auto",
    range: true,
    instant: false,
    editorMode: "code",
  }));
  return {
    id,
    type,
    title: panel.title,
    ...(panel.description !== undefined ? { description: panel.description } : {}),
    gridPos,
    datasource,
    targets,
    fieldConfig: { defaults: fieldDefaults(panel, type), overrides: [] },
    options: panelOptions(type),
  };
}

function fieldDefaults(panel: PanelSpec, type: string): Record<string, unknown> {
  const defaults: Record<string, unknown> = { unit: panel.unit ?? "short", color: { mode: type === "stat" ? "thresholds" : "palette-classic" }, thresholds: { mode: "absolute", steps: [{ color: "green", value: null }] } };
  if (panel.mappings !== undefined) {
    defaults["mappings"] = [{ type: "value", options: Object.fromEntries(Object.entries(panel.mappings).map(([value, text], index) => [value, { text, index, color: value === "1" ? "green" : "gray" }])) }];
  }
  if (type === "timeseries") {
    defaults["custom"] = {
      drawStyle: panel.bars === true ? "bars" : "line",
      lineWidth: 1,
      fillOpacity: panel.bars === true || panel.stacked === true ? 60 : 10,
      showPoints: "never",
      spanNulls: false,
      stacking: { mode: panel.stacked === true ? "normal" : "none", group: "A" },
      axisPlacement: "auto",
    };
  }
  return defaults;
}

function panelOptions(type: string): Record<string, unknown> {
  switch (type) {
    case "stat":
      return { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area", justifyMode: "auto", orientation: "auto", textMode: "auto" };
    case "state-timeline":
      return { mergeValues: true, showValue: "auto", alignValue: "left", rowHeight: 0.9, legend: { showLegend: true, displayMode: "list", placement: "bottom" }, tooltip: { mode: "single", sort: "none" } };
    case "bargauge":
      return { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, orientation: "horizontal", displayMode: "gradient", showUnfilled: true };
    default:
      return { legend: { showLegend: true, displayMode: "list", placement: "bottom", calcs: [] }, tooltip: { mode: "multi", sort: "desc" } };
  }
}

/** Every PromQL expression of a built dashboard, with its panel title. */
export function dashboardExpressions(dashboard: Record<string, unknown>): Array<{ panel: string; expr: string }> {
  const out: Array<{ panel: string; expr: string }> = [];
  for (const panel of dashboard["panels"] as Array<{ title: string; targets?: Array<{ expr: string }> }>) {
    for (const target of panel.targets ?? []) out.push({ panel: panel.title, expr: target.expr });
  }
  return out;
}

/** The label_values(...) queries of a dashboard's variables. */
export function variableQueries(dashboard: Record<string, unknown>): string[] {
  const list = (dashboard["templating"] as { list: Array<{ type: string; definition?: string }> }).list;
  return list.filter((v) => v.type === "query" && v.definition !== undefined).map((v) => v.definition!);
}
