package dev.cairn.compat.internal;

import java.util.concurrent.CompletableFuture;

/**
 * Answers the requests of one front door. Called on the connection's event loop: it must not block;
 * a blocking query returns a future that completes later. A {@link BadRequest} thrown or completing
 * the future becomes its 4xx answer; anything else a 500.
 */
@FunctionalInterface
public interface Route {
  CompletableFuture<Reply> handle(Req request);
}
