package dev.cairn.testing;

import dev.cairn.server.CairnServer;
import dev.cairn.testing.tls.TestCertificates;

/**
 * Servers over TLS for the tests of the modules around the server (the front doors): an in-memory
 * server on ephemeral ports with a {@link TestCertificates} server certificate.
 */
public final class TlsServers {

  private TlsServers() {}

  /**
   * An in-memory server on ephemeral HTTP and gRPC ports with {@code pki}'s server certificate and,
   * with {@code mutual}, {@code pki}'s CA as its client CA (clients must present a certificate it
   * signed). Add front doors and start it.
   */
  public static CairnServer.Builder builder(TestCertificates pki, boolean mutual) {
    TestCertificates.Pair cert = pki.server();
    CairnServer.Builder b =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .tlsCert(cert.cert())
            .tlsKey(cert.key());
    return mutual ? b.tlsCa(pki.ca()) : b;
  }
}
