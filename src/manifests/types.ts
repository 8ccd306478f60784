import type { JsonObject, JsonPath } from "../json.js";

import type { Kind } from "./kinds.js";

// The kind names and descriptors live in kinds.ts (what the loader needs before any plug-in); re-exported where they were declared.
export { KINDS } from "./kinds.js";
export type { Kind };
export const API_VERSION = "ecs-gitops/v1";

/**
 * `TaskDefinition/<family>`, `Service/<cluster>/<name>`, `ScheduledRule/<eventBus>/<name>`,
 * `Schedule/<group>/<name>`, `ScalableTarget/<name>`.
 */
export type ResourceKey = string;

export type SourcePosition = { file: string; line: number; column: number };

export type ProblemCode =
  | "PathNotFound"
  | "EmptyRepo"
  | "FileTooLarge"
  | "NotRegularFile"
  | "NotUtf8"
  | "BinaryFile"
  | "YamlSyntax"
  | "AliasLimit"
  | "UnsafeKey"
  | "NotAMapping"
  | "BadEnvelope"
  | "RawAwsInput"
  | "NotAManifest"
  | "UnknownKind"
  | "UnknownField"
  | "MissingField"
  | "WrongType"
  | "InvalidValue"
  | "DuplicateIdentity"
  | "UnresolvedReference"
  | "Semantic";

/** A located finding about the manifests. `rule` names the semantic check that produced it. */
export type Problem = SourcePosition & {
  /** A note says what was skipped and why; it never fails a command. */
  severity: "error" | "warning" | "note";
  code: ProblemCode;
  message: string;
  key?: ResourceKey;
  rule?: string;
};

/** One validated document: a desired resource with where it came from. */
export type Manifest = {
  kind: Kind;
  name: string;
  key: ResourceKey;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
  /** Path relative to the manifests root, with forward slashes. */
  file: string;
  position: SourcePosition;
  /** Where `spec` path (or its nearest existing parent) stands in the file. */
  locate: (specPath: JsonPath) => SourcePosition;
  /** A Service's `hooks` section as written (docs/hooks.md); absent when the manifest has none. */
  hooks?: JsonObject;
  /** Where a path from the document's top (`["hooks", "preDeploy", 0]`) stands in the file. */
  locateDocument?: (path: JsonPath) => SourcePosition;
  /** Paths ignored because another manifest owns them (a Service's desiredCount under a ScalableTarget). */
  derivedIgnores?: readonly string[];
};

export type LoadResult = { manifests: Manifest[]; problems: Problem[]; files: string[] };
