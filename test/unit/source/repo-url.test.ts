import { describe, expect, it } from "vitest";
import { EcsGitopsError } from "../../../src/errors.js";
import { parseRepoLocation } from "../../../src/source/repo-url.js";

describe("parseRepoLocation", () => {
  it.each([
    ["https://github.com/acme/deploy.git", "https://github.com/acme/deploy.git"],
    ["HTTPS://u:p@github.com/acme/deploy.git", "https://u:p@github.com/acme/deploy.git"],
    ["Http://git.internal/acme/deploy.git", "http://git.internal/acme/deploy.git"],
    ["git+https://u:p@github.com/acme/deploy.git", "https://u:p@github.com/acme/deploy.git"],
    ["GIT+SSH://git@github.com/acme/deploy.git", "ssh://git@github.com/acme/deploy.git"],
    ["ssh://git@github.com:2222/acme/deploy.git", "ssh://git@github.com:2222/acme/deploy.git"],
    ["git://git.internal/deploy.git", "git://git.internal/deploy.git"],
    ["FILE:///srv/git/deploy.git", "file:///srv/git/deploy.git"],
    ["git@github.com:acme/deploy.git", "git@github.com:acme/deploy.git"],
    ["deploy:pw@git.internal:acme/deploy.git", "deploy:pw@git.internal:acme/deploy.git"],
    ["git.internal:acme/deploy.git", "git.internal:acme/deploy.git"],
  ])("%s is the remote %s", (repo, url) => {
    expect(parseRepoLocation(repo)).toEqual({ type: "remote", url });
  });

  it.each(["/srv/checkout", "./deploy", "deploy", "../a:b", "C:\\\\deploy", "C:/deploy"])("%s is a local checkout", (repo) => {
    expect(parseRepoLocation(repo)).toEqual({ type: "local", path: repo });
  });

  it.each(["ftp://u:hunter2@host/deploy.git", "S3://u:hunter2@bucket/deploy", "svn+ssh://u:hunter2@host/deploy"])(
    "rejects %s without printing its password",
    (repo) => {
      let caught: unknown;
      try {
        parseRepoLocation(repo);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EcsGitopsError);
      expect((caught as EcsGitopsError).code).toBe("InvalidConfig");
      expect((caught as EcsGitopsError).message).not.toContain("hunter2");
    },
  );
});
