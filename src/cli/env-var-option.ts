import { Option } from "commander";

/** The environment variable that sets a flag as well: `--lease-table <name>` → `ECS_GITOPS_LEASE_TABLE`. */
export function envNameOf(flags: string): string {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1];
  if (long === undefined) throw new Error(`"${flags}" has no --long-name to derive an environment variable from`);
  return `ECS_GITOPS_${long.replaceAll("-", "_").toUpperCase()}`;
}

/** A flag that its `ECS_GITOPS_…` environment variable sets too (the flag wins over the variable). */
export function envOption(flags: string, description: string): Option {
  return new Option(flags, description).env(envNameOf(flags));
}
