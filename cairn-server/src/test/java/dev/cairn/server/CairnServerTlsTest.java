package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.testing.tls.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on the HTTP and gRPC listeners, with certificates made by the test: accepted
 * and refused as expected, rotated while connections stay open.
 */
class CairnServerTlsTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  private static CairnServer.Builder tls(TestCertificates.Pair server) {
    return CairnServer.builder()
        .inMemory()
        .httpPort(0)
        .grpcPort(0)
        .tlsCert(server.cert())
        .tlsKey(server.key());
  }

  @Test
  void servesHttpsAndGrpcOverTlsToClientsThatTrustItsCa() throws Exception {
    try (CairnServer server = tls(pki.server()).start()) {
      assertThat(server.listenerLines())
          .containsExactly(
              "http  listening on https://127.0.0.1:" + server.httpAddress().getPort() + " (TLS)",
              "grpc  listening on 127.0.0.1:" + server.grpcAddress().getPort() + " (TLS)");

      assertThat(httpsStatus(server, sslContext(pki.ca(), null))).isEqualTo(200);
      assertThat(grpcRevision(server, pki.ca(), null)).isZero();
      // The console and the metrics are on the same listener, so over TLS too.
      assertThat(httpsStatus(server, sslContext(pki.ca(), null), "/ui/")).isEqualTo(200);
      assertThat(httpsStatus(server, sslContext(pki.ca(), null), "/metrics")).isEqualTo(200);
    }
  }

  @Test
  void largeAnswersArriveWholeOverMutualTls() throws Exception {
    // 400 instances make an 80 KB answer: several TLS records and several sealing calls
    // (SslHandler's wrap size is 16 KiB); it must arrive whole, the same on each keep-alive read.
    try (CairnServer server = tls(pki.server()).tlsCa(pki.ca()).start()) {
      for (int i = 0; i < 400; i++) {
        server
            .registry()
            .register(
                "default",
                Instance.builder("web", "10.0." + i / 250 + "." + i % 250)
                    .id("web-" + i)
                    .port("http", 8080)
                    .build())
            .join();
      }
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(sslContext(pki.ca(), pki.client()))
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      URI uri =
          URI.create(
              "https://127.0.0.1:" + server.httpAddress().getPort() + "/v1/services/web/instances");
      String first = null;
      for (int read = 0; read < 3; read++) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().length()).isGreaterThan(2 * 32 * 1024);
        for (int i = 0; i < 400; i++) {
          assertThat(r.body()).contains("\"web-" + i + "\"");
        }
        if (first == null) {
          first = r.body();
        }
        assertThat(r.body()).isEqualTo(first);
      }
    }
  }

  @Test
  void clientsThatDoNotTrustTheServerAreRefused() throws Exception {
    try (CairnServer server = tls(pki.server()).start()) {
      assertThatThrownBy(() -> httpsStatus(server, sslContext(pki.otherCa(), null)))
          .isInstanceOf(IOException.class);
      assertUnavailable(() -> grpcRevision(server, pki.otherCa(), null));
      // Plaintext on a TLS port gets no answer.
      HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/status");
      assertThatThrownBy(
              () ->
                  plain.send(
                      HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                      HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void anExpiredServerCertificateIsRefusedByClients() throws Exception {
    try (CairnServer server = tls(pki.expiredServer()).start()) {
      assertThatThrownBy(() -> httpsStatus(server, sslContext(pki.ca(), null)))
          .isInstanceOf(IOException.class);
      assertUnavailable(() -> grpcRevision(server, pki.ca(), null));
    }
  }

  @Test
  void withAClientCaOnlyClientsWithACertificateItSignedAreServed() throws Exception {
    try (CairnServer server = tls(pki.server()).tlsCa(pki.ca()).start()) {
      assertThat(server.listenerLines())
          .allSatisfy(line -> assertThat(line).endsWith(" (mutual TLS)"));
      TestCertificates.Pair client = pki.client();
      assertThat(httpsStatus(server, sslContext(pki.ca(), client))).isEqualTo(200);
      assertThat(grpcRevision(server, pki.ca(), client)).isZero();

      for (TestCertificates.Pair refused :
          new TestCertificates.Pair[] {null, pki.expiredClient(), pki.otherClient()}) {
        assertThatThrownBy(() -> httpsStatus(server, sslContext(pki.ca(), refused)))
            .as("HTTP with client certificate %s", refused)
            .isInstanceOf(IOException.class);
        assertUnavailable(() -> grpcRevision(server, pki.ca(), refused));
      }
    }
  }

  // A refused client certificate is told why in the alert (curl: "tlsv1 alert unknown ca"), not
  // with BoringSSL's internal_error. The alert itself races the connection's close, so the check
  // is on what the server's trust manager hands BoringSSL.
  @Test
  void aClientCertificateFromAnotherCaIsRefusedAsUnknownCa() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.cairn.server.internal.ServerTls.provider().equals("OPENSSL"),
        "the alert is chosen here on BoringSSL; the JDK's provider chooses its own");
    TestCertificates.Pair own = pki.server();
    dev.cairn.server.internal.ServerTls tls =
        dev.cairn.server.internal.ServerTls.load(own.cert(), own.key(), pki.ca());
    TestCertificates.Pair other = pki.otherClient();

    assertThatThrownBy(
            () ->
                tls.clientCa()
                    .checkClientTrusted(
                        new X509Certificate[] {other.certificate()},
                        "ECDHE_ECDSA",
                        (javax.net.ssl.SSLEngine) null))
        .isInstanceOfSatisfying(
            io.netty.handler.ssl.OpenSslCertificateException.class,
            e ->
                assertThat(e.errorCode())
                    .isEqualTo(20)) // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        .hasMessageContaining("no chain to a CA of --tls-ca");
    tls.clientCa()
        .checkClientTrusted(
            new X509Certificate[] {pki.client().certificate()},
            "ECDHE_ECDSA",
            (javax.net.ssl.SSLEngine) null);
  }

  @Test
  void rotatedFilesAreUsedForNewConnectionsWhileOpenOnesStay() throws Exception {
    TestCertificates.Pair first = pki.server();
    TestCertificates.Pair second = pki.server();
    Path cert = dir.resolve("live-cert.pem");
    Path key = dir.resolve("live-key.pem");
    Files.copy(first.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(first.key(), key, StandardCopyOption.REPLACE_EXISTING);
    SSLContext client = sslContext(pki.ca(), null);
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .tlsCert(cert)
            .tlsKey(key)
            .start()) {
      ManagedChannel channel = grpcChannel(server, pki.ca(), null);
      try (SSLSocket open = connect(client, server.httpAddress())) {
        assertThat(serial(open)).isEqualTo(first.certificate().getSerialNumber());
        assertThat(exchange(open)).startsWith("HTTP/1.1 200");
        BlockingQueue<WatchResponse> watch = new LinkedBlockingQueue<>();
        RegistryGrpc.newStub(channel)
            .watch(
                WatchRequest.newBuilder().setNamespace("default").setService("web").build(),
                collect(watch));
        assertThat(watch.poll(10, TimeUnit.SECONDS)).isNotNull(); // the snapshot

        Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);

        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  try (SSLSocket fresh = connect(client, server.httpAddress())) {
                    assertThat(serial(fresh)).isEqualTo(second.certificate().getSerialNumber());
                  }
                });
        assertThat(grpcPeerSerial(server)).isEqualTo(second.certificate().getSerialNumber());

        // The connections opened before the rotation still work, on their first certificate.
        assertThat(exchange(open)).startsWith("HTTP/1.1 200");
        assertThat(serial(open)).isEqualTo(first.certificate().getSerialNumber());
        server.registry().register("default", Instance.builder("web", "10.0.0.1").build()).join();
        WatchResponse event = watch.poll(10, TimeUnit.SECONDS);
        assertThat(event).isNotNull();
        assertThat(event.hasEvents()).isTrue();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void unusableFilesStopTheStartNamingTheFile() throws Exception {
    TestCertificates.Pair a = pki.server();
    TestCertificates.Pair b = pki.server();
    assertThatThrownBy(() -> tls(new TestCertificates.Pair(a.cert(), b.key(), null)).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(b.key().toString())
        .hasMessageContaining("does not match the certificate");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> tls(a).tlsCa(missing).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> tls(new TestCertificates.Pair(a.key(), a.key(), null)).start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no certificate");
  }

  @Test
  void theBuilderWantsCertificateAndKeyTogether() {
    Path p = dir.resolve("x.pem");
    assertThatThrownBy(() -> CairnServer.builder().tlsCert(p).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tlsKey: null");
    assertThatThrownBy(() -> CairnServer.builder().tlsCa(p).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tlsCa");
  }

  // --- helpers

  static SSLContext sslContext(Path ca, TestCertificates.Pair client)
      throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    KeyManager[] keys =
        client == null ? null : new KeyManager[] {PemKeyManager.load(client.cert(), client.key())};
    context.init(keys, new TrustManager[] {PemTrustManager.load(ca)}, null);
    return context;
  }

  private static int httpsStatus(CairnServer server, SSLContext context)
      throws IOException, InterruptedException {
    return httpsStatus(server, context, "/v1/status");
  }

  private static int httpsStatus(CairnServer server, SSLContext context, String path)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(context)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    URI uri = URI.create("https://127.0.0.1:" + server.httpAddress().getPort() + path);
    return client
        .send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private static ManagedChannel grpcChannel(
      CairnServer server, Path ca, TestCertificates.Pair client) throws IOException {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
    if (client != null) {
      ssl.keyManager(client.cert().toFile(), client.key().toFile());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcAddress().getPort())
        .sslContext(ssl.build())
        .build();
  }

  private static long grpcRevision(CairnServer server, Path ca, TestCertificates.Pair client)
      throws Exception {
    ManagedChannel channel = grpcChannel(server, ca, client);
    try {
      return RegistryGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance())
          .getRevision();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // The serial number of the certificate a new gRPC connection is shown.
  private static java.math.BigInteger grpcPeerSerial(CairnServer server) throws Exception {
    try (SSLSocket s =
        connect(sslContext(pki.ca(), null), server.grpcAddress(), new String[] {"h2"})) {
      return serial(s);
    }
  }

  private static void assertUnavailable(ThrowingCall call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }

  private static SSLSocket connect(SSLContext context, InetSocketAddress address)
      throws IOException {
    return connect(context, address, null);
  }

  private static SSLSocket connect(
      SSLContext context, InetSocketAddress address, String[] applicationProtocols)
      throws IOException {
    SSLSocket s =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", address.getPort());
    s.setSoTimeout(10_000);
    var params = s.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    if (applicationProtocols != null) {
      params.setApplicationProtocols(applicationProtocols);
    }
    s.setSSLParameters(params);
    s.startHandshake();
    return s;
  }

  private static java.math.BigInteger serial(SSLSocket s) throws IOException {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }

  // One request on an open connection: the status line and headers of the answer (its body read
  // and dropped).
  private static String exchange(SSLSocket s) throws IOException {
    s.getOutputStream()
        .write(
            "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    in.readNBytes(length);
    return text;
  }

  private static StreamObserver<WatchResponse> collect(BlockingQueue<WatchResponse> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        queue.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
