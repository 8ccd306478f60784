import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { EcsGitopsError } from "../errors.js";
import { applyMotoAccountHeader } from "./account-header.js";
import { awsErrorName } from "./classify.js";

export type LogReadOptions = { region?: string | undefined; endpoint?: string | undefined; accountIdHeader?: string | undefined };

/** A task's stream as the awslogs driver names it: `<prefix>/<container>/<task id>` in `group`. */
export type LogStreamRef = { group: string; stream: string };

/** GetLogEvents pages; a stream longer than this is cut (the first lines are what a failed migration explains itself with). */
const MAX_PAGES = 50;

/**
 * The messages of one CloudWatch Logs stream from its start, oldest first, at most `maxLines`.
 * A stream that does not exist (the task never started, or logged nothing) gives no lines. Other
 * failures are errors naming the stream and the permission to grant.
 */
export async function readLogStream(options: LogReadOptions, ref: LogStreamRef, maxLines = 10_000): Promise<string[]> {
  const client = new CloudWatchLogsClient({
    maxAttempts: 3,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined || options.endpoint === "" ? {} : { endpoint: options.endpoint }),
  });
  if (options.accountIdHeader) applyMotoAccountHeader(client.middlewareStack, options.accountIdHeader);
  const lines: string[] = [];
  try {
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES && lines.length < maxLines; page++) {
      const response = await client
        .send(new GetLogEventsCommand({ logGroupName: ref.group, logStreamName: ref.stream, startFromHead: true, nextToken: token }))
        .catch((error: unknown) => {
          const name = awsErrorName(error);
          if (name === "ResourceNotFoundException") return undefined;
          throw new EcsGitopsError(
            /AccessDenied|Unauthorized/i.test(name) ? "AccessDenied" : "AwsUnavailable",
            `cannot read log stream ${ref.group} ${ref.stream} (${name}): the identity needs logs:GetLogEvents on the group`,
            { where: `logs:GetLogEvents ${ref.group}` },
          );
        });
      if (response === undefined) break;
      for (const event of response.events ?? []) if (event.message !== undefined) lines.push(event.message);
      // The forward token repeats once the end of the stream is reached.
      if (response.nextForwardToken === undefined || response.nextForwardToken === token) break;
      token = response.nextForwardToken;
    }
  } finally {
    client.destroy();
  }
  return lines.slice(0, maxLines);
}
