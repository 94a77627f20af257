// Test fixture: runs zk-lite in its own process. Options come as JSON in argv[2]; once serving it
// prints one line "READY <clientPort> <adminPort>" on stdout. SIGTERM closes it cleanly (flushing
// the log); SIGKILL is what the crash tests use.

import { realClock, realRandom } from "../../internal/runtime/index.ts";
import { startZkLite, type ZkLiteOptionsInput } from "../../internal/zk/index.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as ZkLiteOptionsInput;
const verbose = process.env["ZK_LITE_LOG"] === "1";
const write = (level: string) => (obj: object, msg?: string) => {
  if (verbose || level === "error") {
    process.stderr.write(`${JSON.stringify({ level, msg, ...obj }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
  }
};
const logger = { info: write("info"), warn: write("warn"), error: write("error"), debug: write("debug") };

const server = await startZkLite(options, { clock: realClock, random: realRandom, logger });
process.stdout.write(`READY ${server.port} ${server.adminPort ?? -1}\n`);
const stop = async (): Promise<void> => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
