import type { MiddlewareStack } from "@smithy/types";

/**
 * Adds `x-moto-account-id` to every request (step `build`, so it is
 * set before the request is signed): moto_server then keeps that account's state apart, so parallel tests need no
 * reset. Never used against AWS.
 */
export function applyMotoAccountHeader<I extends object, O extends object>(stack: MiddlewareStack<I, O>, accountId: string): void {
  stack.add(
    (next) => async (args) => {
      const request: unknown = args.request;
      if (typeof request === "object" && request !== null && "headers" in request) {
        (request as { headers: Record<string, string> }).headers["x-moto-account-id"] = accountId;
      }
      return next(args);
    },
    { step: "build", name: "ecsGitopsMotoAccountHeader", override: true },
  );
}
