package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

/**
 * Who made a write, as the audit records it (decision 0171): the accessor id of the ACL token it
 * carried (empty without ACLs or without a token), the session it acted in or proved (empty when
 * none), and the address of the client (empty for the server's own writes). Travels with the
 * command through the log, so every member of a cluster records the same. Immutable; a transport
 * keeps one per session stream or makes one per request.
 *
 * @param accessorId the token's public accessor id, never its secret
 * @param sessionId the session's public id
 * @param remoteAddress the client's address and port, as the transport saw it
 */
public record Author(String accessorId, String sessionId, String remoteAddress) {

  /** The longest field kept; longer values are cut (they are only shown). */
  public static final int MAX_FIELD = 256;

  /**
   * The server itself: health checks it runs, sessions whose lease ran out, front doors, and
   * callers of the forms of {@link Registry} that take no author.
   */
  public static final Author SERVER = new Author("", "", "");

  public Author {
    accessorId = cut(requireNonNull(accessorId, "accessorId"));
    sessionId = cut(requireNonNull(sessionId, "sessionId"));
    remoteAddress = cut(requireNonNull(remoteAddress, "remoteAddress"));
  }

  /** A client at {@code remoteAddress} with the token {@code accessorId} (empty for none). */
  public static Author of(String accessorId, String remoteAddress) {
    return new Author(accessorId, "", remoteAddress);
  }

  /** This author acting in (or proving) {@code sessionId}. */
  public Author inSession(String sessionId) {
    return sessionId == null || sessionId.equals(this.sessionId)
        ? this
        : new Author(accessorId, sessionId, remoteAddress);
  }

  /** Whether this is {@link #SERVER}: no token, no session, no client address. */
  public boolean isServer() {
    return accessorId.isEmpty() && sessionId.isEmpty() && remoteAddress.isEmpty();
  }

  private static String cut(String s) {
    return s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD);
  }
}
