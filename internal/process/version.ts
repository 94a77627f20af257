import packageJson from "../../package.json" with { type: "json" };

// Filled in by `bun build --define` in cmd/build.ts; absent when run from source.
declare const CLUSTER_BUILD_TIME: string | undefined;
declare const CLUSTER_GIT_SHA: string | undefined;

export const version: string = packageJson.version;

export interface VersionInfo {
  version: string;
  build_date: string;
  build_time: number;
  build_user: string;
  git_sha: string;
  git_tag: string;
}

/** The shape of Mesos's /version. */
export function versionInfo(): VersionInfo {
  const buildTime = typeof CLUSTER_BUILD_TIME === "string" ? CLUSTER_BUILD_TIME : "";
  const when = buildTime === "" ? undefined : new Date(buildTime);
  return {
    version,
    build_date: when ? when.toISOString().replace("T", " ").slice(0, 19) : "",
    build_time: when ? Math.floor(when.getTime() / 1000) : 0,
    build_user: "",
    git_sha: typeof CLUSTER_GIT_SHA === "string" ? CLUSTER_GIT_SHA : "",
    git_tag: `v${version}`,
  };
}
