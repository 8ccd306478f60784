import { Option } from "commander";
import type { Command } from "commander";
import { envOption } from "../env-var-option.js";
import { envPathInRepo } from "../environment-folder.js";
import { tmpdir } from "node:os";
import path from "node:path";
import { belowFloor, checkCluster, checkEndpointUrl, durationFloors, parseByteSize, parseDuration } from "../../config.js";
import { Controller } from "../../controller/controller.js";
import type { ControllerOptions } from "../../controller/controller.js";
import { EnvironmentsController } from "../../controller/environments.js";
import { createLogger } from "../../controller/log.js";
import type { Logger, LogLevel } from "../../controller/log.js";
import { EcsGitopsError } from "../../errors.js";
import { addLeaseOptions, leaseSettings } from "../lease-options.js";
import type { LeaseFlags } from "../lease-options.js";

export type RunFlags = LeaseFlags & {
  repo: string;
  branch?: string;
  path: string;
  /** `--env` repeated (or ECS_GITOPS_ENV=a,b): one process follows several environments. */
  env?: string | string[];
  interval: string;
  resync: string;
  mode: "sync" | "observe";
  selfHeal: string;
  /** `--automated [bool]` / ECS_GITOPS_AUTOMATED give a string; `--no-automated` gives false. */
  automated: string | boolean;
  port: string;
  host?: string;
  alertWebhook?: string;
  alertEventBus?: string;
  owner: string;
  region?: string;
  endpointUrl?: string;
  cluster?: string;
  workdir?: string;
  logLevel: LogLevel;
  shutdownTimeout: string;
  awsRateLimit: string;
  maxCommitBytes: string;
  prune?: string;
  allowMassDelete?: boolean;
};

export function parseBool(text: string, flag: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === "true" || value === "1" || value === "yes") return true;
  if (value === "false" || value === "0" || value === "no" || value === "") return false;
  throw new EcsGitopsError("InvalidConfig", `${flag} must be true or false, got "${text}"`, { where: flag });
}

/** `0.5` → half of AWS's published rates; `off` → no client-side pacing. */
export function parseRateLimit(text: string): number | false {
  if (text === "off" || text === "false" || text === "0") return false;
  const fraction = Number(text);
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) {
    throw new EcsGitopsError("InvalidConfig", `--aws-rate-limit must be a fraction in (0, 1] or "off", got "${text}"`, {
      where: "--aws-rate-limit",
    });
  }
  return fraction;
}

/** `--interval` / `--resync`: a duration at or above its floor (README: intervals). */
export function parsePeriod(field: "interval" | "resync", text: string, env: NodeJS.ProcessEnv = process.env): number {
  const ms = parseDuration(text, `--${field}`);
  const tooShort = belowFloor(field, text, ms, durationFloors(env));
  if (tooShort !== undefined) throw new EcsGitopsError("InvalidConfig", `--${tooShort}`, { where: `--${field}` });
  return ms;
}

/** `ecs-gitops run`: the controller loop with its HTTP endpoints (docs/design.md#commands). */
export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .description("run the controller: follow a git branch, reconcile continuously, serve /healthz /readyz /metrics /status /webhook")
    .addOption(envOption("--repo <url|path>", "git remote (https, ssh, file) or a local checkout").makeOptionMandatory())
    .addOption(envOption("--branch <name>", "branch to follow (remote default: main; local default: HEAD)"))
    .addOption(envOption("--path <dir>", "folder of manifests in the repository").default("."))
    .addOption(
      envOption(
        "--env <name|path>",
        "environment to follow: a name under <path>/envs/ (staging, prod) or " +
          "the environment folder's path in the repository; repeat it (or a,b) " +
          "to follow several",
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(",").map((v) => v.trim())]),
    )
    .addOption(envOption("--interval <duration>", "git poll period").default("60s"))
    .addOption(envOption("--resync <duration>", "drift resync period").default("5m"))
    .addOption(envOption("--mode <mode>", "sync applies; observe never writes").choices(["sync", "observe"]).default("sync"))
    // A value option, so that ECS_GITOPS_SELF_HEAL=false means false (a boolean flag's env is "set").
    .addOption(envOption("--self-heal [bool]", "revert drift (true|false)").preset("true").default("false"))
    // A value option too, so that every flag has its env variable: ECS_GITOPS_AUTOMATED=false.
    .addOption(envOption("--automated [bool]", "apply new commits (true|false; default true)").preset("true"))
    .addOption(new Option("--no-automated", "do not apply new commits (report OutOfSync only); same as --automated=false"))
    .addOption(envOption("--port <n>", "HTTP port for health, metrics, status, webhook").default("8080"))
    .addOption(envOption("--host <addr>", "HTTP bind address"))
    .addOption(envOption("--alert-webhook <url>", "Slack-compatible webhook for drift and failure alerts"))
    .addOption(envOption("--alert-event-bus <name>", "EventBridge bus for drift and failure events"))
    .addOption(envOption("--owner <name>", "value of the ecs-gitops:owner tag").default("ecs-gitops"))
    .addOption(envOption("--region <region>", "AWS region (default: SDK chain)"))
    .addOption(envOption("--endpoint-url <url>", "AWS endpoint (a local emulator)"))
    .addOption(envOption("--cluster <name>", "default cluster"))
    .addOption(envOption("--workdir <dir>", "clones, snapshots and the alert episode record"))
    .addOption(
      envOption(
        "--aws-rate-limit <fraction|off>",
        "client-side pacing as a share of AWS's published API rates, leaving headroom for other tools; off for emulators",
      ).default("0.5"),
    )
    .addOption(
      envOption(
        "--max-commit-bytes <size>",
        "bound on the manifest bytes read from one commit (files past it are reported, not read)",
      ).default("50MiB"),
    )
    .addOption(
      envOption("--prune [bool]", "delete what we own and left git (true|false; default: ecs-gitops.yaml syncPolicy.prune)").preset("true"),
    )
    .addOption(envOption("--allow-mass-delete", "let the first prune the guards hold (maxDeletes, half, all) go through, once"))
    .addOption(
      envOption("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    )
    .addOption(
      envOption(
        "--shutdown-timeout <duration>",
        "bound on finishing in-flight AWS calls at SIGTERM (below ECS's 30 s stopTimeout)",
      ).default("20s"),
    );
  addLeaseOptions(command);
  command.action(async (flags: RunFlags, self: Command) => {
    // What flags or env set explicitly wins; the rest may come from the commit's ecs-gitops.yaml.
    const explicit = (name: string) => ["cli", "env"].includes(self.getOptionValueSource(name) ?? "");
    process.exitCode = await runController(flags, explicit);
  });
}

/** The controller's options from the parsed flags: every flag ends up here (a test holds that). */
export function controllerOptions(flags: RunFlags, explicit: (name: string) => boolean, log: Logger): ControllerOptions {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new EcsGitopsError("InvalidConfig", `--port must be 0-65535, got "${flags.port}"`);
  return {
    repo: flags.repo,
    branch: flags.branch,
    path: envPathInRepo(flags.path, environmentsOf(flags)[0]),
    intervalMs: explicit("interval") ? parsePeriod("interval", flags.interval) : undefined,
    resyncMs: explicit("resync") ? parsePeriod("resync", flags.resync) : undefined,
    mode: flags.mode,
    automated: explicit("automated")
      ? typeof flags.automated === "boolean"
        ? flags.automated
        : parseBool(flags.automated, "--automated")
      : undefined,
    selfHeal: explicit("selfHeal") ? parseBool(flags.selfHeal, "--self-heal") : undefined,
    prune: flags.prune === undefined ? undefined : parseBool(flags.prune, "--prune"),
    allowMassDelete: flags.allowMassDelete === true,
    port,
    host: flags.host,
    owner: explicit("owner") ? flags.owner : undefined,
    region: flags.region,
    endpoint: checkEndpointUrl(
      flags.endpointUrl ?? process.env["AWS_ENDPOINT_URL"],
      flags.endpointUrl === undefined ? "AWS_ENDPOINT_URL" : "--endpoint-url",
    ),
    cluster: checkCluster(flags.cluster, "--cluster"),
    workDir: flags.workdir ?? path.join(tmpdir(), "ecs-gitops"),
    // Secrets only from the environment, never argv (which any local user can read in ps).
    webhookSecret: process.env["ECS_GITOPS_WEBHOOK_SECRET"] || undefined,
    apiToken: process.env["ECS_GITOPS_API_TOKEN"] || undefined,
    alertWebhook: flags.alertWebhook,
    alertWebhookSecret: process.env["ECS_GITOPS_ALERT_WEBHOOK_SECRET"] || undefined,
    alertEventBus: flags.alertEventBus,
    ignoreDifferences: [],
    shutdownTimeoutMs: parseDuration(flags.shutdownTimeout, "--shutdown-timeout"),
    rateLimit: parseRateLimit(flags.awsRateLimit),
    progressPollMs: 10_000,
    maxCommitBytes: parseByteSize(flags.maxCommitBytes, "--max-commit-bytes"),
    log,
    accountIdHeader: process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined,
    lease: leaseSettings(flags, process.env, explicit),
  };
}

/** The environments `--env` names, in order, each once; empty without `--env`. */
export function environmentsOf(flags: Pick<RunFlags, "env">): string[] {
  const given = flags.env === undefined ? [] : typeof flags.env === "string" ? [flags.env] : flags.env;
  const names = given.filter((name) => name !== "");
  if (flags.env !== undefined && names.length === 0) throw new EcsGitopsError("InvalidConfig", "--env is empty: give an environment name");
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new EcsGitopsError("InvalidConfig", `--env ${name} is given twice`, { where: "--env" });
    seen.add(name);
  }
  return names;
}

/**
 * `run --env a --env b`: one controller per environment. Each takes its owner from its own
 * ecs-gitops.yaml (a shared --owner would make the environments one), and keeps its clone,
 * snapshots and records in its own folder of the workdir.
 */
export function environmentControllerOptions(
  flags: RunFlags,
  explicit: (name: string) => boolean,
  log: Logger,
): { name: string; options: ControllerOptions }[] {
  const names = environmentsOf(flags);
  if (explicit("owner"))
    throw new EcsGitopsError(
      "InvalidConfig",
      "--owner cannot be combined with several --env: each environment's owner comes from its own ecs-gitops.yaml",
      { where: "--owner" },
    );
  const base = controllerOptions(flags, explicit, log);
  return names.map((name) => ({
    name,
    options: {
      ...base,
      path: envPathInRepo(flags.path, name),
      workDir: path.join(base.workDir, `env-${name.replace(/[^A-Za-z0-9._-]/g, "_")}`),
      log: log.child({ environment: name }),
    },
  }));
}

async function runController(flags: RunFlags, explicit: (name: string) => boolean): Promise<number> {
  const log = createLogger({ level: flags.logLevel });
  let controller: Pick<Controller, "start" | "stop"> | undefined;
  let fatal: (error: Error) => void = () => undefined;
  const fatalError = new Promise<Error>((resolve) => (fatal = resolve));
  try {
    const onFatal = (error: Error) => fatal(error);
    if (environmentsOf(flags).length > 1) {
      const base = controllerOptions(flags, explicit, log);
      const environments = environmentControllerOptions(flags, explicit, log).map((e) => ({ ...e, options: { ...e.options, onFatal } }));
      controller = new EnvironmentsController(environments, { port: base.port, host: base.host, webhookSecret: base.webhookSecret, log });
    } else controller = new Controller({ ...controllerOptions(flags, explicit, log), onFatal });
    await controller.start();
  } catch (error) {
    // start() has closed what it opened: nothing may keep answering /healthz 200 now.
    log.fatal({ err: error instanceof Error ? error.message : String(error) }, "cannot start");
    return 2;
  }
  const running = controller;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (why: Record<string, unknown>, code: number) => {
      if (stopping) return;
      stopping = true;
      log.info(why, "shutting down");
      void running.stop().then(
        () => resolve(code),
        () => resolve(code === 0 ? 1 : code),
      );
    };
    process.once("SIGTERM", () => shutdown({ signal: "SIGTERM" }, 0));
    process.once("SIGINT", () => shutdown({ signal: "SIGINT" }, 0));
    void fatalError.then((error) => shutdown({ reason: "fatal", err: error.message }, 2));
  });
}
