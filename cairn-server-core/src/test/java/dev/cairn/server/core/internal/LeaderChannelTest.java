package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Health;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The format of the members' messages to the leader, across versions (decision 0186). */
class LeaderChannelTest {

  private static final List<LeaderChannel.Op> OPS =
      List.of(
          LeaderChannel.Op.renew("s1"),
          LeaderChannel.Op.detach("s2"),
          LeaderChannel.Op.report("ns", "web", "a", Health.CRITICAL));

  // The format before decision 0186: a count, then the operations.
  private static byte[] earlierFormat() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(3);
      out.writeByte(LeaderChannel.RENEW);
      out.writeUTF("s1");
      out.writeByte(LeaderChannel.DETACH);
      out.writeUTF("s2");
      out.writeByte(LeaderChannel.REPORT);
      out.writeUTF("ns");
      out.writeUTF("web");
      out.writeUTF("a");
      out.writeByte(Health.CRITICAL.ordinal());
    }
    return bytes.toByteArray();
  }

  @Test
  void aMessageNamesItsSenderAndCarriesItsClaims() throws IOException {
    List<LeaderChannel.Op> ops =
        List.of(
            LeaderChannel.Op.renew("s1"),
            LeaderChannel.Op.claim("s1"),
            LeaderChannel.Op.detach("s2"));

    LeaderChannel.Message m = LeaderChannel.decode(LeaderChannel.encode("n2", ops));

    assertThat(m.sender()).isEqualTo("n2");
    assertThat(m.ops())
        .containsExactly(
            LeaderChannel.Op.claim("s1"),
            LeaderChannel.Op.renew("s1"),
            LeaderChannel.Op.detach("s2"));
  }

  @Test
  void aMemberOfAnEarlierVersionReadsTheOperationsItKnowsFirst() throws IOException {
    byte[] earlier = earlierFormat();
    byte[] now =
        LeaderChannel.encode(
            "n2", List.of(OPS.get(0), LeaderChannel.Op.claim("s9"), OPS.get(1), OPS.get(2)));

    // An earlier reader reads the count and the operations, and ignores what follows.
    assertThat(Arrays.copyOf(now, earlier.length)).isEqualTo(earlier);
    assertThat(now.length).isGreaterThan(earlier.length);
  }

  @Test
  void aMessageOfAnEarlierVersionHasNoSender() throws IOException {
    LeaderChannel.Message m = LeaderChannel.decode(earlierFormat());

    assertThat(m.sender()).isEmpty();
    assertThat(m.ops()).isEqualTo(OPS);
  }

  @Test
  void aRecordOfALaterVersionIsSkipped() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(LeaderChannel.encode("n3", OPS));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(77);
      out.writeInt(3);
      out.write(new byte[] {1, 2, 3});
    }

    LeaderChannel.Message m = LeaderChannel.decode(bytes.toByteArray());

    assertThat(m.sender()).isEqualTo("n3");
    assertThat(m.ops()).isEqualTo(OPS);
  }

  @Test
  void aRecordLongerThanTheMessageDoesNotDecode() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(LeaderChannel.encode("n3", OPS));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(77);
      out.writeInt(1_000);
    }

    assertThatThrownBy(() -> LeaderChannel.decode(bytes.toByteArray()))
        .isInstanceOf(IOException.class);
  }
}
