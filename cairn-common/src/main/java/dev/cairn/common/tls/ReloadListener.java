package dev.cairn.common.tls;

/**
 * Told when a {@link PemKeyManager} or {@link PemTrustManager} took in changed files, or could not
 * (then it keeps what it had). Called on the thread whose handshake found the change; must not
 * block.
 */
public interface ReloadListener {

  /** Ignores everything. */
  ReloadListener NONE =
      new ReloadListener() {
        @Override
        public void reloaded(String what) {}

        @Override
        public void reloadFailed(String what, Exception cause) {}
      };

  /** The files {@code what} names changed and are in use from now on, for new connections. */
  void reloaded(String what);

  /**
   * The files {@code what} names changed but cannot be used ({@code cause} says why); the previous
   * ones stay in use and the files are tried again when they change again.
   */
  void reloadFailed(String what, Exception cause);
}
