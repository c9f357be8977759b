package dev.cairn.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.client.resilience.RetryBudget;
import dev.cairn.common.Ticker;
import dev.cairn.grpc.internal.Retries;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retries idempotent unary calls that fail with {@code UNAVAILABLE} (or a {@code CANCELLED} the
 * caller did not ask for, as a server going down answers) on another pick, within the call's
 * deadline, {@link CallPolicy#maxAttempts()} and the target service's {@link RetryBudget} (one
 * budget per channel authority, i.e. per {@code cairn:} service). A method is idempotent when its
 * descriptor says so ({@code option idempotency_level = IDEMPOTENT} or {@code NO_SIDE_EFFECTS} in
 * its {@code .proto}); other calls pass through untouched. Thread-safe; add one instance per
 * channel (or share it between channels of different services).
 */
public final class CairnRetries implements ClientInterceptor {

  private final CallPolicy policy;
  private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();

  private CairnRetries(CallPolicy policy) {
    this.policy = policy;
  }

  /** Retries with Cairn's default call policy (3 attempts, 20 % budget plus 10 retries/s). */
  public static CairnRetries create() {
    return new CairnRetries(CallPolicy.defaults());
  }

  /** Retries with {@code policy}'s attempts, backoff and budget. */
  public static CairnRetries of(CallPolicy policy) {
    return new CairnRetries(requireNonNull(policy, "policy"));
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getType() != MethodDescriptor.MethodType.UNARY
        || !(method.isIdempotent() || method.isSafe())
        || policy.maxAttempts() <= 1) {
      return next.newCall(method, options);
    }
    RetryBudget budget =
        budgets.computeIfAbsent(next.authority(), a -> RetryBudget.of(policy, Ticker.system()));
    return Retries.call(next, method, options, budget, policy);
  }
}
