package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.internal.Protos;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The encoded {@code GetService} answer (decision 0156) is byte for byte what the generated message
 * would write, whatever the revisions and the registry id (decision 0201), and the cached instances
 * are shared by every answer of one snapshot.
 */
class ServiceAnswerTest {

  private static ServiceSnapshot snapshot(int n, long revision) {
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      instances.add(
          Instance.builder("web", "10.0.0." + (i + 1))
              .id(String.format("web-%03d", i))
              .port("http", 8000 + i)
              .port("grpc", 9000 + i)
              .tags(List.of("v1", "canary"))
              .metadata(java.util.Map.of("version", "1." + i, "owner", "team-a"))
              .zone("z" + i % 3)
              .health(i % 2 == 0 ? Health.PASSING : Health.WARNING)
              .kind(i % 3 == 0 ? InstanceKind.EPHEMERAL : InstanceKind.PERSISTENT)
              .sessionId(i % 3 == 0 ? "s-1" : "")
              .revisions(revision - 1, revision)
              .build());
    }
    return ServiceSnapshot.of("default", "web", revision, List.copyOf(instances));
  }

  private static GetServiceResponse generated(long revision, ServiceSnapshot s, String registryId) {
    return GetServiceResponse.newBuilder()
        .setRevision(revision)
        .setServiceRevision(s.revision())
        .addAllInstances(Protos.instances(s))
        .setRegistryId(registryId)
        .build();
  }

  @Test
  void theEncodedAnswerIsWhatTheGeneratedMessageWrites() throws Exception {
    for (int n : new int[] {0, 1, 7, 100}) {
      ServiceSnapshot s = snapshot(n, n == 0 ? 0 : 40);
      for (long revision : new long[] {0, 40, 41, 1L << 40}) {
        if (revision < s.revision()) {
          continue;
        }
        for (String registryId : new String[] {"", "group-7", "é".repeat(200)}) {
          ServiceAnswer answer = ServiceAnswer.of(revision, s, registryId);
          byte[] expected = generated(revision, s, registryId).toByteArray();

          assertThat(answer.bytes()).isEqualTo(expected);
          assertThat(drained(answer)).isEqualTo(expected);
          assertThat(readByteByByte(answer)).isEqualTo(expected);
          assertThat(answer.message()).isEqualTo(generated(revision, s, registryId));
        }
      }
    }
  }

  @Test
  void aFilteredAnswerIsItsMessage() throws Exception {
    GetServiceResponse m =
        generated(9, snapshot(3, 9), "group-7").toBuilder().setProtection(true).build();

    ServiceAnswer answer = ServiceAnswer.of(m);

    assertThat(answer.message()).isSameAs(m);
    assertThat(drained(answer)).isEqualTo(m.toByteArray());
  }

  private static byte[] drained(ServiceAnswer answer) throws Exception {
    InputStream in = ServiceAnswer.METHOD.getResponseMarshaller().stream(answer);
    int length = in.available();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (in instanceof io.grpc.Drainable d) {
      d.drainTo(out);
    } else {
      in.transferTo(out);
    }
    assertThat(out.size()).isEqualTo(length);
    return out.toByteArray();
  }

  private static byte[] readByteByByte(ServiceAnswer answer) throws Exception {
    InputStream in = ServiceAnswer.METHOD.getResponseMarshaller().stream(answer);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[5];
    int n;
    while ((n = in.read(chunk, 0, chunk.length)) > 0) {
      out.write(chunk, 0, n);
    }
    assertThat(in.read()).isEqualTo(-1);
    return out.toByteArray();
  }
}
