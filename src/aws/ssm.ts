import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { EcsGitopsError } from "../errors.js";
import { applyMotoAccountHeader } from "./account-header.js";
import { awsErrorName } from "./classify.js";

export type SsmReadOptions = { region?: string | undefined; endpoint?: string | undefined; accountIdHeader?: string | undefined };
export type SsmParameterValue = { value: string; secure: boolean };

// xref: SSM GetParameters takes at most 10 names per call.
const GET_PARAMETERS_BATCH = 10;

/**
 * The current values of SSM parameters (SecureStrings decrypted, and flagged so that callers
 * mask them). A name that does not exist is absent from the result. The value never appears in
 * an error: only the names and the AWS error's name do.
 */
export async function readSsmParameters(options: SsmReadOptions, names: readonly string[]): Promise<Map<string, SsmParameterValue>> {
  const client = new SSMClient({
    maxAttempts: 3,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined || options.endpoint === "" ? {} : { endpoint: options.endpoint }),
  });
  if (options.accountIdHeader) applyMotoAccountHeader(client.middlewareStack, options.accountIdHeader);
  const out = new Map<string, SsmParameterValue>();
  try {
    for (let i = 0; i < names.length; i += GET_PARAMETERS_BATCH) {
      const batch = names.slice(i, i + GET_PARAMETERS_BATCH);
      const response = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true })).catch((error: unknown) => {
        const name = awsErrorName(error);
        throw new EcsGitopsError(
          /AccessDenied|Unauthorized/i.test(name) ? "AccessDenied" : "AwsUnavailable",
          `cannot read SSM parameters ${batch.join(", ")} (${name}): the identity ` +
            `ecs-gitops runs as needs ssm:GetParameters on them (and kms:Decrypt for ` +
            `SecureString)`,
        );
      });
      for (const parameter of response.Parameters ?? []) {
        if (parameter.Name !== undefined && parameter.Value !== undefined)
          out.set(parameter.Name, { value: parameter.Value, secure: parameter.Type === "SecureString" });
      }
    }
  } finally {
    client.destroy();
  }
  return out;
}
