package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The address and metadata rules of decision 0097 over the wire, and across a restart. */
class AddressRulesTest {

  @Test
  void httpAndGrpcRefuseAmbiguousAddressesNamingTheField() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      assertThat(put(server, "{\"address\":\"010.0.0.1\",\"ports\":{\"http\":80}}"))
          .startsWith("400 ")
          .contains("\"code\":\"INVALID_ARGUMENT\",\"field\":\"address\"")
          .contains("without leading zeros");
      assertThat(put(server, "{\"address\":\"[::1]\"}")).contains("drop the [ ]");
      assertThat(put(server, "{\"address\":\"fe80::1%eth0\"}")).contains("zone ids (%eth0)");
      assertThat(put(server, "{\"address\":\"10.0.0.1\",\"metadata\":{\"a\\nb\":\"v\"}}"))
          .contains("\"field\":\"metadata.key\"");
      assertThat(put(server, "{\"address\":\"10.0.0.1\",\"metadata\":{\"k\":\"a\\u0000b\"}}"))
          .contains("\"field\":\"metadata.k\"");
      // Half a surrogate pair is no character: refused, never stored to read back as "?".
      assertThat(put(server, "{\"address\":\"10.0.0.1\",\"metadata\":{\"k\":\"\\ud800x\"}}"))
          .startsWith("400 ")
          .contains("\"field\":\"metadata.k\"")
          .contains("no lone surrogate, U+D800 at index 0");
      assertThat(put(server, "{\"address\":\"2001:db8::1\",\"ports\":{\"http\":80}}"))
          .startsWith("200 ");
      assertThat(server.registry().service("default", "oct").instances())
          .extracting(Instance::address)
          .containsExactly("2001:db8::1");

      ManagedChannel channel =
          NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
      try {
        assertThatThrownBy(
                () ->
                    RegistryGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .register(
                            RegisterRequest.newBuilder()
                                .setInstance(
                                    dev.cairn.proto.v1.Instance.newBuilder()
                                        .setService("oct")
                                        .setId("y")
                                        .setAddress("999.1.1.1"))
                                .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription()).startsWith("address: \"999.1.1.1\"");
                });
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aServerStartsWithInstancesRegisteredBeforeTheRules(@TempDir Path dataDir) throws Exception {
    Instance legacy =
        Instance.builder("web", "010.0.0.1").id("old").metadata(Map.of("k", "a\nb")).buildStored();
    try (CairnServer server =
        CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).start()) {
      server.registry().register("default", legacy).join();
    }
    try (CairnServer server =
        CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).start()) {
      assertThat(server.registry().service("default", "web").instances())
          .singleElement()
          .satisfies(i -> assertThat(i.sameRegistration(legacy)).isTrue());
    }
  }

  // "<status> <body>" of a registration of oct/x.
  private static String put(CairnServer server, String body) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + server.httpAddress().getPort()
                                + "/v1/services/oct/instances/x"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
