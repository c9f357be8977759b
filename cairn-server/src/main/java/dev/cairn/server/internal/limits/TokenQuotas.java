package dev.cairn.server.internal.limits;

/**
 * A server's per-token counts (decision 0175): made once from its {@link AbuseLimits} and handed to
 * every listener — the HTTP and gRPC APIs and each front door — so that a token's watches and
 * sessions are counted once across all of them.
 *
 * @param watches open watches per token (HTTP event streams, gRPC watches, Consul blocking queries
 *     waiting, xDS streams); null for no limit
 * @param sessions open sessions per token (HTTP sessions, gRPC session streams, Eureka leases);
 *     null for no limit
 */
public record TokenQuotas(TokenQuota watches, TokenQuota sessions) {

  /** No per-token limits. */
  public static final TokenQuotas NONE = new TokenQuotas(null, null);

  /** New, empty counts for {@code limits}' per-token limits. */
  public static TokenQuotas of(AbuseLimits limits) {
    return new TokenQuotas(limits.watchTokenQuota(), limits.sessionTokenQuota());
  }
}
