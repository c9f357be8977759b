package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The format of the members' messages to the leader, across versions (decision 0186), and when a
 * renewal counts as having reached the leader (decision 0187).
 */
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

  @Test
  void aRenewalReachesTheLeaderOnlyWithAFlushThatSucceeded() throws IOException {
    Sends log = new Sends();
    LeaderChannel channel = new LeaderChannel(log, () -> "n2");

    CompletableFuture<Void> first = channel.renewedToLeader("s1");
    channel.flush();
    assertThat(first).isNotDone();
    // The leader cannot be reached: the flush fails, again and again.
    log.sent.get(0).completeExceptionally(CairnException.of(ErrorCode.UNAVAILABLE, "no leader"));
    channel.flush();
    log.sent.get(1).completeExceptionally(CairnException.of(ErrorCode.UNAVAILABLE, "no leader"));
    CompletableFuture<Void> second = channel.renewedToLeader("s2");
    channel.flush();
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    // Every flush carried what the failed ones did.
    assertThat(ops(log.sent.size() - 1, log)).contains(LeaderChannel.Op.renew("s1"));

    log.sent.get(2).complete(new byte[0]);

    assertThat(first).isDone();
    assertThat(second).isDone();
    assertThat(ops(2, log)).contains(LeaderChannel.Op.renew("s1"), LeaderChannel.Op.renew("s2"));
  }

  @Test
  void renewalsNotedWhileAFlushFailsAreAnsweredByTheNextOneThatSucceeds() throws IOException {
    Sends log = new Sends();
    LeaderChannel channel = new LeaderChannel(log, () -> "n2");

    CompletableFuture<Void> first = channel.renewedToLeader("s1");
    channel.flush();
    CompletableFuture<Void> meanwhile = channel.renewedToLeader("s2");
    log.sent.get(0).completeExceptionally(CairnException.of(ErrorCode.UNAVAILABLE, "no leader"));
    channel.flush();
    log.sent.get(1).complete(new byte[0]);

    assertThat(first).isDone();
    assertThat(meanwhile).isDone();
    assertThat(ops(1, log)).contains(LeaderChannel.Op.renew("s1"), LeaderChannel.Op.renew("s2"));
  }

  private static List<LeaderChannel.Op> ops(int i, Sends log) throws IOException {
    return LeaderChannel.decode(log.messages.get(i)).ops();
  }

  /** A log whose messages to the leader the test answers. */
  private static final class Sends implements CommandLog {
    final List<byte[]> messages = new ArrayList<>();
    final List<CompletableFuture<byte[]>> sent = new ArrayList<>();

    @Override
    public CompletableFuture<byte[]> sendToLeader(byte[] message) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      messages.add(message);
      sent.add(f);
      return f;
    }

    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public CompletableFuture<byte[]> append(byte[] entry) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }
}
