/** The outcome of asking a source where its branch stands. */
export type PollResult = {
  /** The full SHA of the commit the branch (or HEAD) points at now. */
  sha: string;
  /** Whether it differs from what the previous poll of this instance returned (true on the first). */
  changed: boolean;
};

/**
 * Where desired state comes from: a git remote (GitRemoteSource) or a local checkout
 * (LocalCheckoutSource). Every reconcile works on one commit, materialised whole by `checkout`.
 * Errors are EcsGitopsError: SourceUnavailable (retry with backoff), InvalidConfig (fix the flags).
 */
export type Source = {
  /** For logs and /status: the repository and branch, credentials redacted. */
  describe(): string;
  /** Where the branch stands now; cheap enough to call on every interval and webhook. */
  poll(): Promise<PollResult>;
  /**
   * The path of a complete tree of exactly that commit, never a working tree and never half
   * written. Valid until two newer commits have been checked out. Call after `poll` returned it.
   */
  checkout(sha: string): Promise<string>;
  /**
   * Call `onChange` (debounced) when the branch may have moved; the caller then `poll`s. Resolves
   * once watching. Only sources that can watch (a local checkout) have it; remotes are polled
   * and poked by the webhook.
   */
  watch?(onChange: () => void): Promise<void>;
  /** Stop watching and release what the source holds. */
  close(): Promise<void>;
};
