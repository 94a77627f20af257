// Named limits of the agent. Going past one that the network controls is an operating error
// (refused with a message); going past one that only our own code controls is a bug (asserted).

/** Mesos caps the registration backoff at one minute whatever --registration_backoff_factor says. */
export const registrationBackoffMaxMs = 60_000;
/** A master that accepts the WebSocket but does not answer REGISTER within this is given up on. */
export const registerAnswerTimeoutMs = 30_000;
/** Each GET /master/redirect while looking for the leader gets this long. */
export const masterRedirectTimeoutMs = 5_000;
/** Opening the WebSocket to the leader gets this long. */
export const masterConnectTimeoutMs = 10_000;
/** A --master=file:// file larger than this is refused (it holds one address or a short list). */
export const masterFileBytesMax = 64 * 1024;
/** Tasks in one RUN_TASKS; more is refused as a whole. */
export const tasksPerRunMax = 1000;
/** Status updates remembered per task for /state (the checkpoint keeps them all until GC). */
export const statusesPerTaskShownMax = 20;
/** Completed tasks kept in memory for /state; older ones are only on disk until GC. */
export const completedTasksShownMax = 1000;
/** Completed frameworks kept in memory for /state. */
export const completedFrameworksShownMax = 50;
/**
 * Unacknowledged updates per task. Past this, health updates are dropped (the latest health is
 * what matters); state changes are always kept, so at most a handful more than this can pile up.
 */
export const pendingUpdatesPerTaskMax = 1000;
/** One line of a checkpoint file; a longer line is a corrupt file, not a record. */
export const checkpointLineBytesMax = 8 * 1024 * 1024;
/** Status message text is clipped to this many characters. */
export const statusMessageCharsMax = 4096;
/** Ids used as directory names (agent, framework, executor, task) are at most this long. */
export const idCharsMax = 255;
/**
 * The task journal is compacted (rewritten as a snapshot of the live state) once it is larger than
 * this and than journalCompactGrowthFactor times the last snapshot. A task's records take a few KB.
 */
export const journalCompactBytesMin = 16 * 1024 * 1024;
export const journalCompactGrowthFactor = 4;
/**
 * Tasks being launched at once (TASK_STARTING made, process not yet running); the rest of a
 * RUN_TASKS waits in TASK_STAGING, as tasks wait for Mesos's executor. Starting hundreds at once
 * launches no faster and starves the agent (and the master beside it) of the CPU.
 */
export const taskLaunchesInFlightMax = 16;
