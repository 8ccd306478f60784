/** `arn:partition:service:region:account:resource`: the account id, if `arn` is an ARN that has one. */
export function accountIdFromArn(arn: string): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const account = parts[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/** True for a full ARN (as opposed to a name, `family` or `family:revision`). */
export function isArn(value: string): boolean {
  return value.startsWith("arn:");
}
