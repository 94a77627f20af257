// The dashboards, as panel definitions. Metric names are what the modes export on /metrics
// (observability/observers, observability/telemetry); test/telemetry-dashboards.test.ts checks
// every expression parses and names only metrics a live cluster exports.

import type { DashboardSpec, Query } from "./build.ts";

const rate = "[$__rate_interval]";

function quantiles(bucket: string, by = "", legendPrefix = ""): Query[] {
  const labels = by === "" ? "le" : `le, ${by}`;
  return [0.5, 0.9, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${labels}) (rate(${bucket}${rate})))`,
    legend: `${legendPrefix}p${Math.round(q * 100)}${by === "" ? "" : ` {{${by}}}`}`,
  }));
}

export const overview: DashboardSpec = {
  uid: "cluster-overview",
  title: "cluster / overview",
  description: "Leader, agents, frameworks, tasks and resources of the cluster, from the leading master.",
  rows: [
    {
      title: "Leadership",
      panels: [
        { title: "Masters (1 = leading)", type: "stat", width: 8, queries: [{ expr: "cluster_master_elected", legend: "{{instance}}" }] },
        { title: "Term", type: "stat", width: 4, queries: [{ expr: "max(cluster_master_term)", legend: "term" }] },
        { title: "Elections (24 h)", type: "stat", width: 4, queries: [{ expr: 'sum(increase(cluster_master_leader_changes_total{change="elected"}[24h]))', legend: "elections" }] },
        { title: "Outstanding offers", type: "stat", width: 4, queries: [{ expr: "sum(cluster_offer_outstanding)", legend: "offers" }] },
        { title: "Cpus allocated", type: "stat", width: 4, unit: "percentunit", queries: [{ expr: 'sum(cluster_cpus{state="allocated"}) / sum(cluster_cpus{state="total"})', legend: "allocated" }] },
      ],
    },
    {
      title: "Agents, frameworks, tasks",
      panels: [
        { title: "Agents by state", width: 8, queries: [{ expr: "sum by (state) (cluster_agents)", legend: "{{state}}" }] },
        { title: "Frameworks by state", width: 8, queries: [{ expr: "sum by (state) (cluster_frameworks)", legend: "{{state}}" }] },
        { title: "Tasks by state", width: 8, stacked: true, queries: [{ expr: "sum by (state) (cluster_tasks)", legend: "{{state}}" }] },
        { title: "Task transitions / s", width: 24, queries: [{ expr: `sum by (state) (rate(cluster_task_transitions_total${rate}))`, legend: "{{state}}" }] },
      ],
    },
    {
      title: "Resources (agents not unreachable)",
      panels: [
        { title: "Cpus", width: 8, queries: [{ expr: "sum by (state) (cluster_cpus)", legend: "{{state}}" }] },
        { title: "Memory", width: 8, unit: "bytes", queries: [{ expr: "sum by (state) (cluster_memory_bytes)", legend: "{{state}}" }] },
        { title: "Disk", width: 8, unit: "bytes", queries: [{ expr: "sum by (state) (cluster_disk_bytes)", legend: "{{state}}" }] },
      ],
    },
    {
      title: "Processes",
      panels: [
        { title: "Resident memory", width: 8, unit: "bytes", queries: [{ expr: "process_memory_usage_bytes", legend: "{{job}} {{instance}}" }] },
        { title: "Event loop delay p99", width: 8, unit: "s", queries: [{ expr: "nodejs_eventloop_delay_p99_seconds", legend: "{{job}} {{instance}}" }] },
        { title: "Log lines / s by level", width: 8, queries: [{ expr: `sum by (level) (rate(log_lines_total${rate}))`, legend: "{{level}}" }] },
      ],
    },
  ],
};

export const roles: DashboardSpec = {
  uid: "cluster-roles",
  title: "cluster / roles and oversubscription",
  description: "Per role: cpus and memory reserved, offered and allocated over time; role schedule windows; per-agent oversubscription against the cap.",
  variables: [{ name: "role", label: "Role", query: "label_values(cluster_role_cpus, role)" }],
  rows: [
    {
      title: "Per role",
      panels: [
        { title: "Cpus allocated", width: 8, stacked: true, queries: [{ expr: 'sum by (role) (cluster_role_cpus{state="allocated", role=~"$role"})', legend: "{{role}}" }] },
        { title: "Cpus offered", width: 8, queries: [{ expr: 'sum by (role) (cluster_role_cpus{state="offered", role=~"$role"})', legend: "{{role}}" }] },
        { title: "Cpus reserved", width: 8, queries: [{ expr: 'sum by (role) (cluster_role_cpus{state="reserved", role=~"$role"})', legend: "{{role}}" }] },
        { title: "Memory allocated", width: 12, unit: "bytes", stacked: true, queries: [{ expr: 'sum by (role) (cluster_role_memory_bytes{state="allocated", role=~"$role"})', legend: "{{role}}" }] },
        {
          title: "Reserved cpus in use",
          width: 12,
          unit: "percentunit",
          description: "Allocated over reserved, per role with reservations.",
          queries: [{ expr: 'sum by (role) (cluster_role_cpus{state="allocated", role=~"$role"}) / (sum by (role) (cluster_role_cpus{state="reserved", role=~"$role"}) > 0)', legend: "{{role}}" }],
        },
      ],
    },
    {
      title: "Schedule windows",
      panels: [
        { title: "Windows (open / closed)", type: "state-timeline", width: 16, mappings: { "1": "open", "0": "closed" }, queries: [{ expr: 'max by (role) (cluster_role_window_open{role=~"$role"})', legend: "{{role}}" }] },
        { title: "Window changes", width: 8, bars: true, queries: [{ expr: `sum by (role, change) (increase(cluster_role_window_changes_total{role=~"$role"}${rate}))`, legend: "{{role}} {{change}}" }] },
      ],
    },
    {
      title: "Oversubscription (cpus allocated / physical cpus)",
      panels: [
        { title: "Cap (max_oversubscription)", type: "stat", width: 6, queries: [{ expr: "max(cluster_role_schedule_max_oversubscription_ratio)", legend: "cap" }] },
        { title: "Agents over the cap", type: "stat", width: 6, queries: [{ expr: "count(cluster_agent_oversubscription_ratio > scalar(max(cluster_role_schedule_max_oversubscription_ratio))) or vector(0)", legend: "agents" }] },
        { title: "Largest and mean ratio", width: 12, queries: [{ expr: "max(cluster_agent_oversubscription_ratio)", legend: "max" }, { expr: "avg(cluster_agent_oversubscription_ratio)", legend: "mean" }] },
        { title: "Top 10 agents", width: 24, queries: [{ expr: "topk(10, cluster_agent_oversubscription_ratio)", legend: "{{agent_hostname}}" }] },
      ],
    },
  ],
};

export const offers: DashboardSpec = {
  uid: "cluster-offers",
  title: "cluster / offers and allocation",
  description: "Offers by outcome, role and framework; decision latency; allocation cycle time.",
  variables: [
    { name: "role", label: "Role", query: "label_values(cluster_offer_created_total, role)" },
    { name: "framework", label: "Framework", query: "label_values(cluster_offer_created_total, framework_name)" },
  ],
  rows: [
    {
      title: "Offers",
      panels: [
        { title: "Offers made / s by role", width: 8, queries: [{ expr: `sum by (role) (rate(cluster_offer_created_total{role=~"$role", framework_name=~"$framework"}${rate}))`, legend: "{{role}}" }] },
        { title: "Offers ended / s by outcome", width: 8, stacked: true, queries: [{ expr: `sum by (outcome) (rate(cluster_offer_ended_total{role=~"$role", framework_name=~"$framework"}${rate}))`, legend: "{{outcome}}" }] },
        { title: "Outstanding offers", width: 8, queries: [{ expr: "sum(cluster_offer_outstanding)", legend: "outstanding" }] },
        { title: "Offers ended / s by framework and outcome", width: 12, queries: [{ expr: `sum by (framework_name, outcome) (rate(cluster_offer_ended_total{role=~"$role", framework_name=~"$framework"}${rate}))`, legend: "{{framework_name}} {{outcome}}" }] },
        {
          title: "Accepted share",
          width: 12,
          unit: "percentunit",
          queries: [{ expr: `sum by (framework_name) (rate(cluster_offer_ended_total{outcome="accepted", role=~"$role", framework_name=~"$framework"}${rate})) / sum by (framework_name) (rate(cluster_offer_ended_total{role=~"$role", framework_name=~"$framework"}${rate}))`, legend: "{{framework_name}}" }],
        },
      ],
    },
    {
      title: "Latency",
      panels: [
        { title: "Decision latency (creation to ACCEPT/DECLINE)", width: 12, unit: "s", queries: quantiles('cluster_offer_decision_duration_seconds_bucket{role=~"$role"}') },
        { title: "Decision latency p90 by outcome", width: 12, unit: "s", queries: [{ expr: `histogram_quantile(0.9, sum by (le, outcome) (rate(cluster_offer_decision_duration_seconds_bucket{role=~"$role"}${rate})))`, legend: "{{outcome}}" }] },
        {
          title: "Allocation cycle time",
          width: 12,
          unit: "s",
          queries: [...quantiles("cluster_allocation_cycle_duration_seconds_bucket"), { expr: `sum(rate(cluster_allocation_cycle_duration_seconds_sum${rate})) / sum(rate(cluster_allocation_cycle_duration_seconds_count${rate}))`, legend: "mean" }],
        },
        { title: "Allocation cycles / s", width: 12, queries: [{ expr: `sum(rate(cluster_allocation_cycle_duration_seconds_count${rate}))`, legend: "cycles" }] },
      ],
    },
  ],
};

export const agents: DashboardSpec = {
  uid: "cluster-agents",
  title: "cluster / agents",
  description: "Per agent: resources as the master books them, and what tasks really use (the agents' /monitor/statistics as container_* metrics); status update delivery.",
  variables: [
    { name: "agent", label: "Agent (master's view)", query: "label_values(cluster_agent_cpus, agent_hostname)" },
    { name: "instance", label: "Agent process", query: "label_values(agent_tasks, instance)" },
  ],
  rows: [
    {
      title: "Booked by the master",
      panels: [
        { title: "Cpus allocated", width: 8, queries: [{ expr: 'sum by (agent_hostname) (cluster_agent_cpus{state="allocated", agent_hostname=~"$agent"})', legend: "{{agent_hostname}}" }] },
        {
          title: "Cpus allocated / total",
          width: 8,
          unit: "percentunit",
          queries: [{ expr: 'sum by (agent_hostname) (cluster_agent_cpus{state="allocated", agent_hostname=~"$agent"}) / sum by (agent_hostname) (cluster_agent_cpus{state="total", agent_hostname=~"$agent"})', legend: "{{agent_hostname}}" }],
        },
        { title: "Memory allocated", width: 8, unit: "bytes", queries: [{ expr: 'sum by (agent_hostname) (cluster_agent_memory_bytes{state="allocated", agent_hostname=~"$agent"})', legend: "{{agent_hostname}}" }] },
      ],
    },
    {
      title: "Used by tasks (agent /monitor/statistics)",
      panels: [
        { title: "Cpu used (cores) by executor", width: 12, queries: [{ expr: `sum by (instance, executor_id) (rate(container_cpu_time_seconds_total{instance=~"$instance"}${rate}))`, legend: "{{instance}} {{executor_id}}" }] },
        { title: "Memory (RSS) by executor", width: 12, unit: "bytes", queries: [{ expr: 'sum by (instance, executor_id) (container_memory_usage_bytes{instance=~"$instance"})', legend: "{{instance}} {{executor_id}}" }] },
        { title: "Cpu used / limit per agent", width: 8, unit: "percentunit", queries: [{ expr: `sum by (instance) (rate(container_cpu_time_seconds_total{instance=~"$instance"}${rate})) / sum by (instance) (container_cpu_limit{instance=~"$instance"})`, legend: "{{instance}}" }] },
        { title: "Memory used / limit per agent", width: 8, unit: "percentunit", queries: [{ expr: 'sum by (instance) (container_memory_usage_bytes{instance=~"$instance"}) / sum by (instance) (container_memory_limit_bytes{instance=~"$instance"})', legend: "{{instance}}" }] },
        { title: "Cpu throttled / s", width: 8, unit: "s", queries: [{ expr: `sum by (instance) (rate(container_cpu_throttled_time_seconds_total{instance=~"$instance"}${rate}))`, legend: "{{instance}}" }] },
      ],
    },
    {
      title: "Tasks and status updates (agent side)",
      panels: [
        { title: "Tasks by state", width: 8, stacked: true, queries: [{ expr: 'sum by (state) (agent_tasks{instance=~"$instance"})', legend: "{{state}}" }] },
        { title: "Task start time (RUN_TASKS to TASK_RUNNING)", width: 8, unit: "s", queries: quantiles('agent_task_start_duration_seconds_bucket{instance=~"$instance"}') },
        { title: "Pending status updates", width: 8, queries: [{ expr: 'sum by (instance) (agent_status_updates_pending{instance=~"$instance"})', legend: "{{instance}}" }] },
        { title: "Status update retries / s", width: 12, queries: [{ expr: `sum by (instance) (rate(agent_status_update_retries_total{instance=~"$instance"}${rate}))`, legend: "{{instance}}" }] },
        { title: "Acknowledgement latency (first send to ACK)", width: 12, unit: "s", queries: quantiles('agent_status_update_ack_duration_seconds_bucket{instance=~"$instance"}') },
      ],
    },
  ],
};

export const zkLite: DashboardSpec = {
  uid: "cluster-zk-lite",
  title: "cluster / zk-lite",
  description: "zk-lite requests, latency, sessions, znodes and watches.",
  variables: [{ name: "instance", label: "Server", query: "label_values(zk_server_znodes, instance)" }],
  rows: [
    {
      title: "Requests",
      panels: [
        { title: "Requests / s by op", width: 12, stacked: true, unit: "reqps", queries: [{ expr: `sum by (op) (rate(zk_server_requests_total{instance=~"$instance"}${rate}))`, legend: "{{op}}" }] },
        { title: "Latency", width: 12, unit: "s", queries: quantiles('zk_server_request_duration_seconds_bucket{instance=~"$instance"}') },
        { title: "Latency p99 by op", width: 12, unit: "s", queries: [{ expr: `histogram_quantile(0.99, sum by (le, op) (rate(zk_server_request_duration_seconds_bucket{instance=~"$instance"}${rate})))`, legend: "{{op}}" }] },
        { title: "Outstanding requests", width: 6, queries: [{ expr: 'sum by (instance) (zk_server_outstanding_requests{instance=~"$instance"})', legend: "{{instance}}" }] },
        { title: "Fsyncs / s", width: 6, queries: [{ expr: `sum by (instance) (rate(zk_server_fsyncs_total{instance=~"$instance"}${rate}))`, legend: "{{instance}}" }] },
      ],
    },
    {
      title: "State",
      panels: [
        { title: "Sessions and connections", width: 8, queries: [{ expr: 'sum by (instance) (zk_server_sessions{instance=~"$instance"})', legend: "sessions {{instance}}" }, { expr: 'sum by (instance) (zk_server_connections{instance=~"$instance"})', legend: "connections {{instance}}" }] },
        { title: "Znodes and ephemerals", width: 8, queries: [{ expr: 'sum by (instance) (zk_server_znodes{instance=~"$instance"})', legend: "znodes {{instance}}" }, { expr: 'sum by (instance) (zk_server_ephemerals{instance=~"$instance"})', legend: "ephemerals {{instance}}" }] },
        { title: "Watches", width: 8, queries: [{ expr: 'sum by (instance) (zk_server_watches{instance=~"$instance"})', legend: "{{instance}}" }] },
        { title: "Data size", width: 8, unit: "bytes", queries: [{ expr: 'sum by (instance) (zk_server_data_size_bytes{instance=~"$instance"})', legend: "{{instance}}" }] },
        { title: "Sessions expired", width: 8, bars: true, queries: [{ expr: `sum by (instance) (increase(zk_server_expired_sessions_total{instance=~"$instance"}${rate}))`, legend: "{{instance}}" }] },
        { title: "Packets / s", width: 8, queries: [{ expr: `sum by (instance) (rate(zk_server_packets_received_total{instance=~"$instance"}${rate}))`, legend: "received {{instance}}" }, { expr: `sum by (instance) (rate(zk_server_packets_sent_total{instance=~"$instance"}${rate}))`, legend: "sent {{instance}}" }] },
      ],
    },
  ],
};

export const cron: DashboardSpec = {
  uid: "cluster-cron",
  title: "cluster / cron",
  description: "Cron runs by outcome, failures, lateness (due time to TASK_RUNNING), leader.",
  rows: [
    {
      title: "Cron",
      panels: [
        { title: "Leader (1 = leading)", type: "stat", width: 6, queries: [{ expr: "cron_leader", legend: "{{instance}}" }] },
        { title: "Subscribed", type: "stat", width: 6, queries: [{ expr: "max(cron_subscribed)", legend: "subscribed" }] },
        { title: "Jobs", type: "stat", width: 6, queries: [{ expr: "max(cron_jobs)", legend: "jobs" }] },
        { title: "Failed runs (1 h)", type: "stat", width: 6, queries: [{ expr: 'sum(increase(cron_runs_finished_total{state="failed"}[1h]))', legend: "failed" }] },
        { title: "Runs finished by state", width: 12, bars: true, stacked: true, queries: [{ expr: `sum by (state) (increase(cron_runs_finished_total${rate}))`, legend: "{{state}}" }] },
        { title: "Runs launched / s and active", width: 12, queries: [{ expr: `sum(rate(cron_runs_launched_total${rate}))`, legend: "launched / s" }, { expr: "sum(cron_runs_active)", legend: "active" }] },
        {
          title: "Failure share",
          width: 12,
          unit: "percentunit",
          queries: [{ expr: `sum(rate(cron_runs_finished_total{state="failed"}${rate})) / (sum(rate(cron_runs_finished_total${rate})) > 0)`, legend: "failed" }],
        },
        { title: "Lateness (due to TASK_RUNNING)", width: 12, unit: "s", queries: quantiles("cron_run_lateness_seconds_bucket") },
      ],
    },
  ],
};

export const dashboards: Record<string, DashboardSpec> = {
  "cluster-overview": overview,
  "cluster-roles": roles,
  "cluster-offers": offers,
  "cluster-agents": agents,
  "cluster-zk-lite": zkLite,
  "cluster-cron": cron,
};
