package dev.cairn.client.resilience;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a transport plugs into a {@link CallRunner}: how to send one attempt to an endpoint and how
 * to classify what came back.
 *
 * <p>Threading: {@link #send} is called on the thread that called {@link CallRunner#call} (where it
 * may block, e.g. for a synchronous transport call) or on the runner's scheduler and whatever
 * thread completed the previous attempt (where it must not block: hand blocking work to an
 * executor). Classification runs on whichever thread completes the attempt and must not block.
 *
 * @param <T> the transport's target type
 * @param <R> the result type (e.g. {@code HttpResponse<String>})
 */
public interface Attempt<T, R> {

  /**
   * Sends one attempt to {@code endpoint}; the transport applies {@code timeoutNanos} (what is left
   * of the call's deadline) to it.
   */
  CompletableFuture<R> send(Endpoint<T> endpoint, long timeoutNanos);

  /**
   * As {@link #send(Endpoint, long)}, with {@code headers} to add to the request: the trace context
   * ({@code traceparent}, ...) of the attempt's span. Called instead of it only when the runner
   * observes calls; the default ignores the headers.
   */
  default CompletableFuture<R> send(
      Endpoint<T> endpoint, long timeoutNanos, Map<String, String> headers) {
    return send(endpoint, timeoutNanos);
  }

  /** How a result ended; default {@link Outcome#SUCCESS}. */
  default Outcome classify(R result) {
    return Outcome.SUCCESS;
  }

  /**
   * How an error ended; default {@link Outcome#REFUSED} for a {@link java.net.ConnectException}
   * (the request never left), else {@link Outcome#FAILURE}.
   */
  default Outcome classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return Outcome.REFUSED;
      }
    }
    return Outcome.FAILURE;
  }
}
