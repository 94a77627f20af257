// `npm run build`: compiles cmd/cluster.ts into the self-contained ./cluster executable, stamping
// the build time and git commit into /version.

import { spawnSync } from "node:child_process";

function gitSha(): string {
  const result = spawnSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "";
}

const outfile = process.argv[2] ?? "cluster";
const args = [
  "build",
  "--compile",
  "--minify",
  "--sourcemap",
  "cmd/cluster.ts",
  "--outfile",
  outfile,
  "--define",
  `CLUSTER_BUILD_TIME=${JSON.stringify(new Date().toISOString())}`,
  "--define",
  `CLUSTER_GIT_SHA=${JSON.stringify(gitSha())}`,
];
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
