import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
} from "@aws-sdk/client-codedeploy";
import type { DeploymentStatus } from "@aws-sdk/client-codedeploy";
import { EcsGitopsError } from "../errors.js";
import { clusterName } from "./arn.js";
import type { JsonObject } from "../json.js";
import type { AwsClients } from "./client-set.js";

/**
 * The plan's input for `codedeploy:CreateDeployment`: the AppSpec as an object (so the applier can
 * put the new revision's ARN in it), the application and group when annotations name them, and
 * the service, to find them when they do not.
 */
export type CodeDeployInput = {
  applicationName?: string;
  deploymentGroupName?: string;
  cluster: string;
  service: string;
  appSpec: JsonObject;
};

// xref: CodeDeploy DeploymentStatus — a group runs one deployment at a time; these are not over yet.
const ACTIVE: DeploymentStatus[] = ["Created", "Queued", "InProgress", "Baking", "Ready"];

/**
 * Start a CodeDeploy deployment of the AppSpec, unless one of exactly this AppSpec is already
 * active: then that one is the answer. So a lost response, a retry or the next reconcile (the
 * service shows the old revision until the traffic shift) never starts a second deployment.
 */
export async function createCodeDeployDeployment(clients: AwsClients, input: CodeDeployInput): Promise<JsonObject> {
  const { applicationName, deploymentGroupName } = await deploymentGroupOf(clients, input);
  const content = JSON.stringify(input.appSpec);
  const active = await activeDeployment(clients, applicationName, deploymentGroupName);
  if (active !== undefined) {
    if (active.content === content)
      return { deploymentId: active.id, status: active.status, reused: true, applicationName, deploymentGroupName };
    throw new EcsGitopsError(
      "DependencyNotReady",
      `CodeDeploy deployment ${active.id} of ${applicationName}/${deploymentGroupName} ` +
        `is still ${active.status}: the new revision deploys once it ends (or stop ` +
        `it in CodeDeploy)`,
      { where: `${input.cluster}/${input.service}`, retryable: true },
    );
  }
  const created = await clients.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName,
      deploymentGroupName,
      description: `ecs-gitops: ${input.cluster}/${input.service}`,
      revision: { revisionType: "AppSpecContent", appSpecContent: { content } },
    }),
  );
  return { deploymentId: created.deploymentId ?? null, status: "Created", applicationName, deploymentGroupName };
}

/** Retry guard (landed-check.ts): an earlier attempt landed when a deployment of the same AppSpec is active. */
export async function landedDeployment(clients: AwsClients, input: JsonObject): Promise<JsonObject | undefined> {
  const app = input["applicationName"];
  const group = input["deploymentGroupName"];
  const content = (input["revision"] as { appSpecContent?: { content?: string } } | undefined)?.appSpecContent?.content;
  if (typeof app !== "string" || typeof group !== "string" || content === undefined) return undefined;
  const active = await activeDeployment(clients, app, group);
  return active?.content === content ? { deploymentId: active.id } : undefined;
}

async function activeDeployment(
  clients: AwsClients,
  applicationName: string,
  deploymentGroupName: string,
): Promise<{ id: string; status: string; content: string | undefined } | undefined> {
  const listed = await clients.codedeploy.send(
    new ListDeploymentsCommand({ applicationName, deploymentGroupName, includeOnlyStatuses: ACTIVE }),
  );
  for (const id of listed.deployments ?? []) {
    const info = (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    // moto lists every deployment whatever the status filter; AWS honours it.
    if (info?.status === undefined || !ACTIVE.includes(info.status)) continue;
    return { id, status: info.status, content: info.revision?.appSpecContent?.content };
  }
  return undefined;
}

/** The annotations' names, or the one deployment group whose ecsServices lists the service. */
async function deploymentGroupOf(
  clients: AwsClients,
  input: CodeDeployInput,
): Promise<{ applicationName: string; deploymentGroupName: string }> {
  if (input.applicationName !== undefined && input.deploymentGroupName !== undefined)
    return { applicationName: input.applicationName, deploymentGroupName: input.deploymentGroupName };
  const found: { applicationName: string; deploymentGroupName: string }[] = [];
  const applications = input.applicationName !== undefined ? [input.applicationName] : await listApplications(clients);
  for (const applicationName of applications) {
    const groups = (await clients.codedeploy.send(new ListDeploymentGroupsCommand({ applicationName }))).deploymentGroups ?? [];
    for (const deploymentGroupName of groups) {
      if (input.deploymentGroupName !== undefined && deploymentGroupName !== input.deploymentGroupName) continue;
      const info = (await clients.codedeploy.send(new GetDeploymentGroupCommand({ applicationName, deploymentGroupName })))
        .deploymentGroupInfo;
      const serves = (info?.ecsServices ?? []).some(
        (s) => s.serviceName === input.service && s.clusterName !== undefined && clusterName(s.clusterName) === clusterName(input.cluster),
      );
      if (serves) found.push({ applicationName, deploymentGroupName });
    }
  }
  const where = `${input.cluster}/${input.service}`;
  const how = "name them with the annotations ecs-gitops/codedeploy-application and ecs-gitops/codedeploy-deployment-group";
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new EcsGitopsError("DependencyNotReady", `no CodeDeploy deployment group lists the ECS service ${where}: create one, or ${how}`, {
      where,
    });
  throw new EcsGitopsError(
    "InvalidRequest",
    `${found.length} CodeDeploy deployment groups list the ECS service ${where} ` +
      `(${found.map((f) => `${f.applicationName}/${f.deploymentGroupName}`).join(", ")}): ${how}`,
    { where },
  );
}

async function listApplications(clients: AwsClients): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.codedeploy.send(new ListApplicationsCommand({ ...(nextToken ? { nextToken } : {}) }));
    names.push(...(page.applications ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** A deployment's status as health: what the controller reports while CodeDeploy shifts traffic. */
export async function codeDeployStatus(
  clients: AwsClients,
  deploymentId: string,
): Promise<{ status: string; message: string | undefined }> {
  const info = (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  return { status: info?.status ?? "Unknown", message: info?.errorInformation?.message };
}
