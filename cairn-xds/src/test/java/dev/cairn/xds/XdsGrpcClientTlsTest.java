package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.testing.TlsServers;
import dev.cairn.testing.tls.TestCertificates;
import io.grpc.Server;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java's own xDS client ({@code grpc-xds}) reaching the xDS front door over TLS: bootstrap
 * {@code "channel_creds": [{"type": "tls"}]}, which trusts the JVM's default trust store. Runs the
 * client in a JVM of its own, since grpc-java reads its bootstrap once per JVM.
 */
class XdsGrpcClientTlsTest {

  @TempDir Path dir;

  @Test
  void theRealClientFollowsTheCatalogOverTlsWhenItTrustsTheServersCa() throws Exception {
    TestCertificates pki = TestCertificates.create(dir.resolve("pki"));
    Server backend = Hello.serve("a");
    try (CairnServer server =
        TlsServers.builder(pki, false)
            .frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build()))
            .start()) {
      server
          .registry()
          .register(
              "default",
              Instance.builder("hello", "127.0.0.1")
                  .id("a")
                  .ports(Map.of("grpc", backend.getPort()))
                  .build())
          .join();
      String bootstrap =
          "{\"xds_servers\": [{\"server_uri\": \"127.0.0.1:"
              + server.frontDoors().get(0).address().getPort()
              + "\", \"channel_creds\": [{\"type\": \"tls\"}],"
              + " \"server_features\": [\"xds_v3\"]}],"
              + " \"node\": {\"id\": \"xds-tls-test\", \"cluster\": \"test\"}}";

      assertThat(run(bootstrap, trustStore(pki.ca()), 60)).isEqualTo("served a");
      // A client that does not trust the server's CA gets no configuration, so no call.
      assertThat(run(bootstrap, trustStore(pki.otherCa()), 5)).startsWith("failed ");
    } finally {
      backend.shutdownNow();
    }
  }

  /** Runs the client in its own JVM trusting {@code trustStore}; its one line of output. */
  private static String run(String bootstrap, Path trustStore, int seconds) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("-Djavax.net.ssl.trustStore=" + trustStore);
    command.add("-Djavax.net.ssl.trustStorePassword=changeit");
    command.add("-Djavax.net.ssl.trustStoreType=PKCS12");
    command.add("-Dio.grpc.xds.bootstrapConfig=" + bootstrap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(XdsTlsClientMain.class.getName());
    command.add("hello");
    command.add(Integer.toString(seconds));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      assertThat(p.waitFor(seconds + 60, TimeUnit.SECONDS)).isTrue();
      return line;
    } finally {
      p.destroyForcibly();
    }
  }

  /** A PKCS#12 trust store (password {@code changeit}) holding the CA in {@code caPem}. */
  private Path trustStore(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry(
          "cairn-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    Path file = Files.createTempFile(dir, "trust", ".p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, "changeit".toCharArray());
    }
    return file;
  }
}
