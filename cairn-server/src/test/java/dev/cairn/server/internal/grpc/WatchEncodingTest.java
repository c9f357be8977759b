package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.EventBatch;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.internal.Protos;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WatchEncodingTest {

  private final MethodDescriptor.Marshaller<WatchResponse> marshaller =
      WatchEncoding.of(RegistryGrpc.getWatchMethod()).getResponseMarshaller();

  @Test
  void aOneEventMessageIsWrittenAsProtobufWritesItEveryTime() throws IOException {
    WatchResponse event = event(1, "a");

    byte[] first = written(event);
    byte[] again = written(event);

    assertThat(first).isEqualTo(event.toByteArray());
    assertThat(again).isEqualTo(event.toByteArray());
    assertThat(marshaller.parse(marshaller.stream(event))).isEqualTo(event);
  }

  @Test
  void theNextMessageIsNotAnsweredWithThePreviousOnesBytes() throws IOException {
    WatchResponse one = event(1, "a");
    WatchResponse other = event(2, "b");
    WatchResponse equalToOne = event(1, "a"); // equal content, another object

    written(one);

    assertThat(written(other)).isEqualTo(other.toByteArray());
    assertThat(written(equalToOne)).isEqualTo(one.toByteArray());
    assertThat(written(one)).isEqualTo(one.toByteArray());
  }

  @Test
  void severalEventsAndLargeMessagesAreEncodedByProtobufAsTheyGo() throws IOException {
    List<ServiceEvent> two = List.of(serviceEvent(1, "a"), serviceEvent(2, "b"));
    WatchResponse batch = Protos.watchEvents(two);
    // Larger than Cairn's limits let an instance be; built as protobuf allows.
    WatchResponse large =
        event(3, "a").toBuilder()
            .setEvents(
                EventBatch.newBuilder()
                    .addEvents(
                        WatchEvent.newBuilder()
                            .setInstance(
                                dev.cairn.proto.v1.Instance.newBuilder()
                                    .setId("web-3")
                                    .putMetadata("big", "x".repeat(WatchEncoding.MAX_KEPT_BYTES)))))
            .build();

    assertThat(marshaller.stream(batch)).isNotInstanceOf(EncodedStream.class);
    assertThat(marshaller.stream(large)).isNotInstanceOf(EncodedStream.class);
    assertThat(marshaller.stream(event(4, "a"))).isInstanceOf(EncodedStream.class);
    assertThat(written(batch)).isEqualTo(batch.toByteArray());
    assertThat(written(large)).isEqualTo(large.toByteArray());
  }

  @Test
  void eachThreadKeepsItsOwnLastMessage() throws Exception {
    WatchResponse mine = event(1, "a");
    List<byte[]> seen = new ArrayList<>();
    written(mine);
    Thread other =
        new Thread(
            () -> {
              try {
                seen.add(written(event(2, "b")));
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            });
    other.start();
    other.join();

    assertThat(seen).singleElement().isEqualTo(event(2, "b").toByteArray());
    assertThat(written(mine)).isEqualTo(mine.toByteArray());
  }

  private byte[] written(WatchResponse message) throws IOException {
    try (InputStream in = marshaller.stream(message)) {
      return in.readAllBytes();
    }
  }

  private static WatchResponse event(long revision, String version) {
    return Protos.watchEvents(List.of(serviceEvent(revision, version)));
  }

  private static ServiceEvent serviceEvent(long revision, String version) {
    Instance instance =
        Instance.builder("web", "127.0.0.1")
            .id("web-" + revision)
            .port("http", 8080)
            .metadata(Map.of("version", version))
            .revisions(revision, revision)
            .build();
    return ServiceEvent.of(ServiceEvent.Type.ADDED, revision, instance);
  }
}
