import type * as codedeploy from "./codedeploy.js";
import type * as logs from "./logs.js";
import type * as ssm from "./ssm.js";

/*
 * The SSM and CloudWatch Logs clients are imported on first use, not with the rest of src/aws: the
 * controller reads SSM only for a commit with `fromSsm` variables and logs only for `run-task`, and
 * each client module is 1–2 MiB of heap and 4–8 MiB of RSS in every process that imports it
 * (docs/scale.md#lazy-sdk-clients). The CodeDeploy calls likewise: only blue/green services make them.
 */

export async function readSsmParameters(...args: Parameters<typeof ssm.readSsmParameters>): ReturnType<typeof ssm.readSsmParameters> {
  return (await import("./ssm.js")).readSsmParameters(...args);
}

export async function readLogStream(...args: Parameters<typeof logs.readLogStream>): ReturnType<typeof logs.readLogStream> {
  return (await import("./logs.js")).readLogStream(...args);
}

export async function createCodeDeployDeployment(
  ...args: Parameters<typeof codedeploy.createCodeDeployDeployment>
): ReturnType<typeof codedeploy.createCodeDeployDeployment> {
  return (await import("./codedeploy.js")).createCodeDeployDeployment(...args);
}

export async function landedDeployment(
  ...args: Parameters<typeof codedeploy.landedDeployment>
): ReturnType<typeof codedeploy.landedDeployment> {
  return (await import("./codedeploy.js")).landedDeployment(...args);
}

export async function codeDeployStatus(
  ...args: Parameters<typeof codedeploy.codeDeployStatus>
): ReturnType<typeof codedeploy.codeDeployStatus> {
  return (await import("./codedeploy.js")).codeDeployStatus(...args);
}
