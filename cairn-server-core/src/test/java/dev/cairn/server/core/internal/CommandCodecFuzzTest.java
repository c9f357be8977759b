package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Coverage-guided fuzzing of the command log's codec (docs/fuzzing.md): any bytes, as a log entry,
 * as an entry's reply, as an instance of a snapshot and as a whole catalog snapshot. The only
 * refusals allowed are the documented ones ({@link IOException} for entries, instances and
 * snapshots, {@link UncheckedIOException} for replies); whatever decodes encodes back to the same
 * value. The commands of an entry that decodes are applied to a new catalog, which never throws for
 * a bad command, and whose snapshot restores to the same catalog. Corpus: {@code
 * CommandCodecFuzzTestInputs/} under the test resources.
 */
class CommandCodecFuzzTest {

  @FuzzTest
  void decode(byte[] bytes) throws IOException {
    batch(bytes);
    results(bytes);
    instance(bytes, CommandCodec.VERSION);
    instance(bytes, CommandCodec.MIN_VERSION);
    snapshot(bytes);
  }

  private static void batch(byte[] entry) throws IOException {
    List<Command> commands;
    try {
      commands = CommandCodec.decodeBatch(entry, new StringPool());
    } catch (IOException e) {
      return;
    }
    apply(commands);
    long id = CommandCodec.batchId(entry);
    byte[] again = CommandCodec.encodeBatch(id, commands);
    assertThat(CommandCodec.decodeBatch(again, new StringPool())).isEqualTo(commands);
    assertThat(CommandCodec.batchId(again)).isEqualTo(id);
  }

  private static void apply(List<Command> commands) throws IOException {
    Catalog catalog = new Catalog();
    for (Command c : commands) {
      assertThat(catalog.apply(c)).isNotNull();
    }
    catalog.publish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    catalog.writeSnapshot(new DataOutputStream(out));
    Catalog restored = new Catalog();
    restored.readSnapshot(
        new DataInputStream(new ByteArrayInputStream(out.toByteArray())), new StringPool());
    assertThat(restored.revision()).isEqualTo(catalog.revision());
    assertThat(restored.instanceCount()).isEqualTo(catalog.instanceCount());
    assertThat(restored.sessions()).containsExactlyInAnyOrderElementsOf(catalog.sessions());
    for (ServiceSnapshot s : catalog.allServices()) {
      assertThat(restored.service(s.namespace(), s.name()).instances())
          .containsExactlyInAnyOrderElementsOf(s.instances());
      assertThat(restored.protectionThreshold(s.namespace(), s.name()))
          .isEqualTo(catalog.protectionThreshold(s.namespace(), s.name()));
    }
  }

  private static void snapshot(byte[] bytes) {
    try {
      new Catalog()
          .readSnapshot(new DataInputStream(new ByteArrayInputStream(bytes)), new StringPool());
    } catch (IOException e) {
      // the documented refusal
    }
  }

  private static void results(byte[] reply) {
    List<Result> results;
    try {
      results = CommandCodec.decodeResults(reply);
    } catch (UncheckedIOException e) {
      return;
    }
    assertThat(CommandCodec.decodeResults(CommandCodec.encodeResults(results))).isEqualTo(results);
  }

  private static void instance(byte[] bytes, int version) throws IOException {
    Instance instance;
    try {
      instance =
          CommandCodec.readInstance(
              new DataInputStream(new ByteArrayInputStream(bytes)), new StringPool(), version);
    } catch (IOException e) {
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CommandCodec.writeInstance(new DataOutputStream(out), instance);
    Instance again =
        CommandCodec.readInstance(
            new DataInputStream(new ByteArrayInputStream(out.toByteArray())),
            new StringPool(),
            CommandCodec.VERSION);
    assertThat(again).isEqualTo(instance);
    assertThat(again.createRevision()).isEqualTo(instance.createRevision());
    assertThat(again.modRevision()).isEqualTo(instance.modRevision());
  }
}
