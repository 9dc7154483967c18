import { DependencyUnavailable } from "../lib/unavailable";
import { signInAddressBucket } from "./address-bucket";
import { ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT, signInGateOf, type AttemptVerdict } from "../objects/sign-in-gate";

/** Too many failed sign-ins for the account or the address; try again after `retryAfterSeconds`. */
export class TooManySignInAttempts extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed sign-ins; try again in ${retryAfterSeconds} seconds`);
    this.name = "TooManySignInAttempts";
  }
}

/** One admitted attempt: say it succeeded and it stops counting as a failure. */
export interface SignInAttempt {
  succeeded(): Promise<void>;
}

/**
 * Admits one sign-in attempt against both limits (SignInGate: 5 failures per account, 20 per
 * address, per 15 minutes) or throws TooManySignInAttempts. The attempt counts as a failure until
 * `succeeded()`.
 *
 * Fails closed: when a gate cannot answer, nobody signs in (DependencyUnavailable, a 503 with
 * Retry-After) rather than letting guesses through unlimited. Sessions already open keep working,
 * since they never consult the gates.
 *
 * `address` is CF-Connecting-IP, the only address header Cloudflare sets itself (X-Forwarded-For is
 * the client's to write), counted per IPv4 address or per IPv6 /64 (signInAddressBucket: one client
 * holds a whole /64). Without it (not behind Cloudflare) every such request shares one bucket.
 */
export async function admitSignInAttempt(env: Pick<Env, "SIGN_IN_GATE">, email: string, address: string | undefined): Promise<SignInAttempt> {
  const gates = [
    { stub: signInGateOf(env, `account:${email.trim().toLowerCase()}`), limit: ACCOUNT_FAILURE_LIMIT },
    { stub: signInGateOf(env, `address:${signInAddressBucket(address)}`), limit: ADDRESS_FAILURE_LIMIT },
  ];
  const settled = await Promise.allSettled(gates.map(({ stub, limit }) => stub.attempt(limit) as Promise<AttemptVerdict>));
  const admitted = settled.flatMap((result, i) => (result.status === "fulfilled" && result.value.admitted ? [{ stub: gates[i]!.stub, attemptId: result.value.attemptId }] : []));
  const forgiveAll = async () => {
    // A forgiveness that is lost leaves one extra failure counted for 15 minutes: not worth failing a sign-in for.
    await Promise.allSettled(admitted.map(({ stub, attemptId }) => stub.forgive(attemptId)));
  };
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) {
    await forgiveAll();
    throw new DependencyUnavailable("durable-object", failed.reason);
  }
  const waits = settled.flatMap((result) => (result.status === "fulfilled" && !result.value.admitted ? [result.value.retryAfterMs] : []));
  if (waits.length > 0) {
    await forgiveAll();
    throw new TooManySignInAttempts(Math.max(1, Math.ceil(Math.max(...waits) / 1000)));
  }
  return { succeeded: forgiveAll };
}
