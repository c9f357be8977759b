package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.core.acl.Secrets;

/**
 * What a caller proves about sessions when it writes (decision 0165): nothing, the secret of one
 * session (handed out only to whoever opened it), or the right to act for every session (the
 * server's own front doors, or an ACL token with write on the service).
 *
 * <p>A session's id is public: it shows in every read of its instances. Renewing, closing or
 * resuming a session, registering into it, and removing or replacing its instances take its secret
 * (or the right to act for every session); the id alone is refused with {@code PERMISSION_DENIED}.
 *
 * <p>The hash of a secret is computed once, when the access is made: keep one per client (a session
 * stream keeps its own) rather than one per request.
 */
public final class SessionAccess {

  private static final SessionAccess NONE = new SessionAccess(null, false, "");
  private static final SessionAccess ANY = new SessionAccess(null, true, "");

  private final byte[] hash;
  private final boolean anySession;
  private final String sessionId;

  private SessionAccess(byte[] hash, boolean anySession, String sessionId) {
    this.hash = hash;
    this.anySession = anySession;
    this.sessionId = sessionId;
  }

  /** A caller that proves nothing: it may only open sessions and write what no session owns. */
  public static SessionAccess none() {
    return NONE;
  }

  /**
   * A caller that may act for every session: the server itself, or a token with write on the
   * service.
   */
  public static SessionAccess anySession() {
    return ANY;
  }

  /** A caller that presents a session's secret; an empty or null secret proves nothing. */
  public static SessionAccess secret(String secret) {
    return secret == null || secret.isEmpty()
        ? NONE
        : new SessionAccess(Secrets.hash(secret), false, "");
  }

  /**
   * This secret, as the secret of session {@code sessionId}: what a session stream holds once its
   * session opened. A removal it makes then acts for that session even while the instance's own
   * registration, sent just before, is not applied yet (see {@link #sessionId}). Nothing is proved
   * that the secret does not prove: the registry checks it against the session's.
   */
  public SessionAccess forSession(String sessionId) {
    return hash == null ? this : new SessionAccess(hash, false, requireNonNull(sessionId));
  }

  /** The session this caller's secret is said to be of ({@link #forSession}), or empty. */
  public String sessionId() {
    return sessionId;
  }

  /** Whether this caller may act for every session. */
  public boolean actsForAnySession() {
    return anySession;
  }

  /** Whether this caller presented a secret. */
  public boolean hasSecret() {
    return hash != null;
  }

  /** Whether this caller may act for the session whose secret hashes to {@code secretHash}. */
  public boolean proves(byte[] secretHash) {
    return anySession || Secrets.same(hash, secretHash);
  }

  @Override
  public String toString() {
    return anySession
        ? "SessionAccess[any]"
        : hash == null ? "SessionAccess[none]" : "SessionAccess[secret]";
  }
}
