import { describe, expect, it } from "vitest";
import { lazyClient } from "../../../src/aws/lazy-client.js";

/** A client that counts what was done to it. */
function fakeClient() {
  const client = { sent: 0, destroyed: 0, send: () => Promise.resolve((client.sent += 1)), destroy: () => void (client.destroyed += 1) };
  return client;
}

/** A build that finishes only when the test says so. */
function heldBuild() {
  const made = fakeClient();
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<typeof made>((resolve, reject) => {
    finish = () => resolve(made);
    fail = reject;
  });
  let builds = 0;
  const build = () => ((builds += 1), done);
  return { made, build, finish, fail, builds: () => builds };
}

describe("lazyClient", () => {
  it("builds once for concurrent first calls and destroys the client it built", async () => {
    const held = heldBuild();
    const lazy = lazyClient(held.build);
    lazy.destroy(); // nothing built, nothing in flight: nothing to close
    const calls = [lazy.client(), lazy.client()];
    held.finish();
    await Promise.all(calls);
    expect(held.builds()).toBe(1);
    expect(lazy.built()).toBe(held.made);
    lazy.destroy();
    expect(held.made.destroyed).toBe(1);
  });

  it("a client destroyed while being built is destroyed once built", async () => {
    const held = heldBuild();
    const lazy = lazyClient(held.build);
    const first = lazy.client();
    lazy.destroy();
    expect(held.made.destroyed).toBe(0);
    held.finish();
    await first;
    // The destroy's continuation runs after the build's: one more turn of the microtask queue.
    await Promise.resolve();
    expect(held.made.destroyed).toBe(1);
  });

  it("a build that fails while destroyed is neither an unhandled rejection nor kept", async () => {
    const held = heldBuild();
    const lazy = lazyClient(held.build);
    const first = lazy.client();
    lazy.destroy();
    held.fail(new Error("import failed"));
    await expect(first).rejects.toThrow("import failed");
    expect(lazy.built()).toBeUndefined();
  });
});
