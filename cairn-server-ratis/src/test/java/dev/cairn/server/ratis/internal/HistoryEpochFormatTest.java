package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The history epoch's log entry and snapshot header (decision 0222), byte for byte. */
class HistoryEpochFormatTest {

  private static final byte[] MACHINE = {(byte) 0xCA, 0x1A, 0x5A, (byte) 0xFE, 5, 0, 0, 0};

  @Test
  void aSnapshotWithAnEpochGivesItBackAndTheMachinesBytesAfterIt() throws IOException {
    HistoryEpoch written = history();
    assertThat(written.wantsEpoch()).isTrue();
    assertThat(written.apply(ByteString.copyFrom(HistoryEpoch.newEntry()))).isTrue();
    String id = written.registryId();
    assertThat(id).isNotEmpty().isNotEqualTo("group");
    // A second epoch (a deposed leader's) changes nothing.
    assertThat(written.apply(ByteString.copyFrom(HistoryEpoch.newEntry()))).isTrue();
    assertThat(written.registryId()).isEqualTo(id);

    HistoryEpoch loaded = history();
    InputStream rest = loaded.load(stream(snapshot(written)));

    assertThat(loaded.registryId()).isEqualTo(id);
    assertThat(loaded.settled()).isDone();
    assertThat(rest.readAllBytes()).isEqualTo(MACHINE);
  }

  @Test
  void aSnapshotWithoutHeaderIsAHistoryWithoutEpochWhoseIdIsTheGroupId() throws IOException {
    HistoryEpoch loaded = history();
    InputStream rest = loaded.load(stream(MACHINE));

    assertThat(rest.readAllBytes()).isEqualTo(MACHINE);
    assertThat(loaded.registryId()).isEqualTo("group");
    assertThat(loaded.wantsEpoch()).isFalse();
    // Written again without a header, as an earlier version reads it.
    assertThat(snapshot(loaded)).isEqualTo(MACHINE);
  }

  @Test
  void aMachinesEntryBeforeAnyEpochMakesAHistoryWithoutOneAndAnEpochStillCountsAfterIt() {
    HistoryEpoch h = history();
    assertThat(h.registryId()).isEmpty();
    assertThat(h.apply(ByteString.copyFrom(MACHINE))).isFalse();
    assertThat(h.registryId()).isEqualTo("group");
    assertThat(h.wantsEpoch()).isFalse();

    assertThat(h.apply(ByteString.copyFrom(HistoryEpoch.newEntry()))).isTrue();
    assertThat(h.registryId()).isNotEqualTo("group").isNotEmpty();
  }

  @Test
  void aSnapshotWithoutHeaderInstalledWhereTheEpochIsKnownKeepsIt() throws IOException {
    // An earlier version's member writes no header in a history with an epoch (decision 0230).
    HistoryEpoch h = history();
    h.apply(ByteString.copyFrom(HistoryEpoch.newEntry()));
    String id = h.registryId();

    InputStream rest = h.load(stream(MACHINE));

    assertThat(rest.readAllBytes()).isEqualTo(MACHINE);
    assertThat(h.registryId()).isEqualTo(id);
    HistoryEpoch next = history();
    next.load(stream(snapshot(h)));
    assertThat(next.registryId()).as("its next snapshot has the header again").isEqualTo(id);
  }

  @Test
  void theEntryOfAKnownEpochIsTheOneItWasAppliedFrom() {
    HistoryEpoch h = history();
    h.apply(ByteString.copyFrom(HistoryEpoch.newEntry()));
    HistoryEpoch lost = history();
    lost.apply(ByteString.copyFrom(MACHINE));

    assertThat(lost.apply(ByteString.copyFrom(HistoryEpoch.entry(h.epoch())))).isTrue();
    assertThat(lost.registryId()).isEqualTo(h.registryId());
  }

  @Test
  void aHeaderOfALaterVersionIsRefusedNamingIt() {
    byte[] later = new byte[HistoryEpoch.SNAPSHOT_MAGIC.length + 2];
    System.arraycopy(HistoryEpoch.SNAPSHOT_MAGIC, 0, later, 0, HistoryEpoch.SNAPSHOT_MAGIC.length);
    later[HistoryEpoch.SNAPSHOT_MAGIC.length] = 2;

    assertThatThrownBy(() -> history().load(stream(later)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("snapshot history header version 2 (expected: at most 1");
  }

  private static HistoryEpoch history() {
    HistoryEpoch h = new HistoryEpoch();
    h.groupId("group");
    return h;
  }

  private static byte[] snapshot(HistoryEpoch h) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    h.mark().write(out);
    out.write(MACHINE);
    return out.toByteArray();
  }

  private static InputStream stream(byte[] bytes) {
    return new BufferedInputStream(new ByteArrayInputStream(bytes));
  }
}
