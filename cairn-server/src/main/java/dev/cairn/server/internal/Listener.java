package dev.cairn.server.internal;

import java.net.InetSocketAddress;

/**
 * One network listener of a server (gRPC, HTTP). Started by its own factory; closed by the server
 * that owns it. Thread-safe.
 */
public interface Listener extends AutoCloseable {

  /** The protocol, lower case, as shown in the listener's log line: {@code grpc}, {@code http}. */
  String protocol();

  /** The address actually bound (with the real port when port 0 was asked for). */
  InetSocketAddress address();

  /** How the listener's connections are secured; {@link Security#PLAIN} by default. */
  default Security security() {
    return Security.PLAIN;
  }

  /** How a listener's connections are secured. */
  enum Security {
    /** Plaintext. */
    PLAIN,
    /** TLS; clients are not asked for a certificate. */
    TLS,
    /** TLS, and clients must present a certificate the client CA signed. */
    MUTUAL_TLS;

    /** The security that {@code tls} gives; null is {@link #PLAIN}. */
    public static Security of(ServerTls tls) {
      return tls == null ? PLAIN : tls.mutual() ? MUTUAL_TLS : TLS;
    }
  }

  /**
   * Stops taking new connections and calls; calls in progress go on until {@link #close()}. Called
   * before the registry closes. Idempotent.
   */
  default void beginShutdown() {}

  /** Ends every call and releases the port. Idempotent. */
  @Override
  void close();
}
