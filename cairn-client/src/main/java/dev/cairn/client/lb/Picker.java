package dev.cairn.client.lb;

/**
 * Chooses an endpoint for one call. A picker is an immutable snapshot built for one endpoint list;
 * the {@link Balancer} replaces it when the list changes.
 *
 * <p>Threading: {@link #pick} is called concurrently from any thread, takes no lock and should not
 * allocate.
 *
 * @param <T> the transport's target type (a gRPC subchannel, a URI, ...)
 */
@FunctionalInterface
public interface Picker<T> {

  /**
   * The endpoint for this call, or {@code null} when the picker has no endpoint.
   *
   * @param context the request's key and attributes; never null (use {@link PickContext#NONE})
   */
  Endpoint<T> pick(PickContext context);
}
