package dev.cairn.server.internal.limits;

/**
 * Counts what each ACL token (by accessor id) holds open — watches, sessions — against a limit,
 * across connections, addresses and listeners: one per server for each kind (see {@link
 * TokenQuotas}), shared by the HTTP and gRPC APIs and the front doors (decisions 0170, 0175).
 * Thread-safe.
 */
public final class TokenQuota extends Quota<String> {

  /**
   * @throws IllegalArgumentException when {@code max} is below 1
   */
  public TokenQuota(int max) {
    super(max);
  }
}
