/** What a lazily built client must offer: an SDK client's `send` and `destroy`. */
type SdkClient = { send(command: never, options?: never): Promise<unknown>; destroy(): void };

/**
 * An SDK client built, and its module imported, on the first call that needs it
 * (docs/scale.md#lazy-sdk-clients). `send` has the client's own signature, so a caller sends
 * through it as through the client.
 */
export type LazyClient<C extends SdkClient> = {
  readonly send: C["send"];
  /** The client, built on the first call (concurrent first calls share one build). */
  readonly client: () => Promise<C>;
  /** The client if it was built, else undefined: nothing is imported to answer. */
  readonly built: () => C | undefined;
  /** Closes the client's sockets if it was built; one being built is closed once it is. */
  readonly destroy: () => void;
};

/** `build` imports the client's module, constructs the client and instruments it: it runs once. */
export function lazyClient<C extends SdkClient>(build: () => Promise<C>): LazyClient<C> {
  let building: Promise<C> | undefined;
  let built: C | undefined;
  const client = () =>
    (building ??= build().then(
      (c) => (built = c),
      (error: unknown) => {
        // A failed import or construction is not kept: the next call tries again.
        building = undefined;
        throw error;
      },
    ));
  const send = async (command: never, options?: never) => (await client()).send(command, options);
  return {
    send: send as C["send"],
    client,
    built: () => built,
    destroy: () => {
      if (built !== undefined) built.destroy();
      // A build in flight would otherwise leave its client's sockets open (a one-shot command's exit waits on them).
      else
        void building?.then(
          (c) => c.destroy(),
          () => undefined,
        );
    },
  };
}
