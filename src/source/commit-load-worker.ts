import { parentPort, workerData } from "node:worker_threads";
import { loadCommitInline, toTransferable } from "./commit-load.js";
import type { CommitLoadRequest } from "./commit-load.js";

// The body of loadCommitInWorker: one commit, one answer, then the thread ends.
const result = await loadCommitInline(workerData as CommitLoadRequest);
parentPort?.postMessage(toTransferable(result));
