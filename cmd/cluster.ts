// The one executable: parse flags, pick the mode, wire the real adapters, run until a signal.
// No logic lives here.

import { FlagError, generalHelp, modeHelp, parseCommandLine } from "../internal/flags/index.ts";
import { onStopSignal, stopServices, version, withTimeout, type Service } from "../internal/process/index.ts";
import { startMode } from "./modes.ts";
import { realClock, realIds, realRandom } from "../internal/runtime/index.ts";
import { createLogger } from "../observability/logging/index.ts";
import { createModeObservers } from "../observability/observers/index.ts";
import { setupTelemetry } from "../observability/telemetry/index.ts";

/** Telemetry and log flushing share what is left of the 5 s stop budget after services stop. */
const telemetryShutdownTimeoutMs = 1500;

async function main(): Promise<void> {
  const outcome = parseOrExit();
  if (outcome.kind === "version") {
    console.log(`cluster ${version}`);
    return;
  }
  if (outcome.kind === "help") {
    console.log(outcome.mode ? modeHelp(outcome.mode) : generalHelp());
    return;
  }
  const { flags } = outcome;
  const instanceId = realIds.uuid();
  const telemetry = setupTelemetry({ mode: flags.mode, instanceId, version });
  const logging = createLogger({
    mode: flags.mode,
    level: flags.string("logging_level") as "DEBUG" | "INFO" | "WARNING" | "ERROR",
    logDir: flags.optString("log_dir"),
    quiet: flags.bool("quiet"),
    rotateSizeBytes: flags.number("log_rotate_size"),
    rotateFiles: flags.number("log_rotate_files"),
    gzip: flags.bool("log_rotate_gzip"),
    mixin: () => telemetry.logMixin(),
    onLine: (level) => telemetry.countLogLine(level),
    onRotate: () => telemetry.countLogRotation(),
  });
  const { logger } = logging;
  // Signal handlers go in before anything starts, so a SIGTERM during start-up still flushes.
  const stopSignal = new Promise<string>((resolve) => onStopSignal(resolve));
  let services: Service[];
  try {
    services = await startMode({ flags, logger, telemetry, clock: realClock, random: realRandom, ids: realIds }, createModeObservers(telemetry, realClock));
  } catch (error) {
    // Bad flags are one line naming the flag (DESIGN.md "Errors and limits"), not a log event too.
    if (!(error instanceof FlagError)) logger.error({ err: error }, "start-up failed");
    console.error(`cluster: ${(error as Error).message}`);
    await logging.close();
    // Flags that are fine alone but not together (--quorum against --masters) fail here, as bad flags.
    process.exit(error instanceof FlagError ? 2 : 1);
  }
  for (const service of services) console.log(`${service.name}: ${service.url}`);
  logger.info({ version, instance_id: instanceId }, "started");
  const signal = await stopSignal;
  logger.info({ signal }, "stopping");
  await stopServices(services, (name) => logger.warn({ service: name }, "service did not stop in time"));
  await withTimeout(() => telemetry.shutdown(), telemetryShutdownTimeoutMs);
  logger.info("stopped");
  await logging.close();
  process.exit(0);
}

function parseOrExit(): ReturnType<typeof parseCommandLine> {
  try {
    return parseCommandLine({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof FlagError) {
      console.error(`cluster: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

await main();
