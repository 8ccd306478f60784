/**
 * A resource key's parts by its shape alone: `Service/prod/web` → kind `Service`, scope `prod`,
 * name `web`; `TaskDefinition/web` has no scope. The one place a key is split (identity.ts adds
 * the check that the kind is one we manage). No imports: the dashboard (ui/) bundles it.
 */
export type KeyParts = { kind: string; scope: string | undefined; name: string };

export function keyParts(key: string): KeyParts | undefined {
  const parts = key.split("/");
  const kind = parts[0];
  const name = parts.at(-1);
  if (parts.length < 2 || kind === undefined || kind === "" || name === undefined || name === "") return undefined;
  return { kind, scope: parts.length > 2 ? parts.slice(1, -1).join("/") : undefined, name };
}
