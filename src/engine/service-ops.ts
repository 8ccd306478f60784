import { EcsGitopsError } from "../errors.js";
import type { AwsClients } from "../aws/index.js";
import { readResourceKey } from "../manifests/identity.js";
import type { KindOperations, OperationName, OwnedResource, Started } from "../resources/kind-operations.js";
import { descriptorOf, KINDS } from "../manifests/kinds.js";
import type { Kind } from "../manifests/kinds.js";
import { pluginOf } from "../resources/registry.js";

/** A kind's operations, with `O` known to be there. */
type Supplying<O extends OperationName> = KindOperations & { readonly [P in O]: NonNullable<KindOperations[P]> };

/** How a key of `kind` is written: `Service/<cluster>/<name>`. */
function keyForm(kind: Kind): string {
  const scope = descriptorOf(kind).scope;
  return scope === undefined ? `${kind}/<name>` : `${kind}/<${scope.field}>/<name>`;
}

/**
 * The operations of `key`'s kind, looked up in the registry, when its plug-in supplies `operation`
 * (what the CLI's `command` runs). Anything else is an InvalidRequest naming the kinds that do.
 */
export function operationsFor<O extends OperationName>(key: string, operation: O, command: string = operation): Supplying<O> {
  const able = KINDS.filter((kind) => pluginOf(kind).operations?.[operation] !== undefined).map(keyForm);
  const forms = able.length === 0 ? `no kind` : able.join(" or ");
  const kind = readResourceKey(key)?.kind;
  if (kind === undefined) throw new EcsGitopsError("InvalidRequest", `"${key}" is not a resource key: write ${forms}`, { where: key });
  const operations = pluginOf(kind).operations;
  if (operations?.[operation] === undefined)
    throw new EcsGitopsError("InvalidRequest", `${key}: ${kind} has no ${operation}; ${command} acts on ${forms}`, { where: key });
  return operations as Supplying<O>;
}

/**
 * The resource as AWS has it now, if ecs-gitops owns it (our owner tag and a source tag): what
 * `command` may write. A kind without `operation` is refused before anything is read.
 */
export async function readOwnedResource(
  aws: AwsClients,
  key: string,
  owner: string,
  operation: OperationName,
  command: string = operation,
): Promise<OwnedResource> {
  return operationsFor(key, operation, command).readOwned(aws, key, owner);
}

/** `ecs-gitops restart`: start again what runs now (a service: one forceNewDeployment, nothing registered). */
export async function restartResource(aws: AwsClients, owned: OwnedResource): Promise<Started | undefined> {
  return operationsFor(owned.key, "restart").restart(aws, owned);
}

/** The revision `rollback` goes to: `to`, else the one before the running one. */
export async function rollbackTarget(aws: AwsClients, owned: OwnedResource, to: string | undefined): Promise<string> {
  return operationsFor(owned.key, "rollback").rollback.target(aws, owned, to);
}

/** Run `revision` and hold it there against git until `release`. */
export async function rollbackResource(aws: AwsClients, owned: OwnedResource, revision: string): Promise<Started | undefined> {
  return operationsFor(owned.key, "rollback").rollback.run(aws, owned, revision);
}

/** Lift a rollback's hold: git's revision deploys again. Returns the revision that was held. */
export async function releaseResource(aws: AwsClients, owned: OwnedResource): Promise<string | undefined> {
  return operationsFor(owned.key, "rollback", "release").rollback.release(aws, owned);
}
