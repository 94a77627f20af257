// A stand-in for the agent in the journal's SIGKILL test: appends records in batches of varying
// size, and prints each record's number once its commit is done (as the agent sends a message).
// It never stops by itself. Usage: bun journal-writer.ts <journal path>

import { Journal } from "../journal.ts";

const journal = new Journal<{ n: number }>({
  path: process.argv[2]!,
  snapshot: () => [],
  onFatal: (error) => {
    throw error;
  },
});
let next = 0;
function batch(): void {
  const size = 1 + (next % 37);
  for (let i = 0; i < size; i++) {
    const n = next++;
    journal.append({ n });
    journal.afterCommit(() => process.stdout.write(`${n}\n`));
  }
  setImmediate(batch);
}
batch();
