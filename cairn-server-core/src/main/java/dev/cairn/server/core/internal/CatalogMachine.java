package dev.cairn.server.core.internal;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies log entries (command batches) to the {@link Catalog}, publishes the result and hands the
 * changes to the registry. Runs on the log's apply thread.
 */
final class CatalogMachine implements LogStateMachine {

  private static final Logger log = LoggerFactory.getLogger(CatalogMachine.class);

  private final Catalog catalog;
  private final Consumer<Catalog.Changes> onChanges;
  private final Runnable onRestore;
  private final StringPool pool;
  private final LocalEntries local;

  CatalogMachine(
      Catalog catalog,
      StringPool pool,
      LocalEntries local,
      Consumer<Catalog.Changes> onChanges,
      Runnable onRestore) {
    this.catalog = catalog;
    this.pool = pool;
    this.local = local;
    this.onChanges = onChanges;
    this.onRestore = onRestore;
  }

  @Override
  public byte[] apply(byte[] entry) {
    List<Command> commands;
    try {
      // Entries this process appended are applied from the commands it still holds; the bytes
      // are decoded only on replay (and, later, on followers).
      commands = local.take(CommandCodec.batchId(entry));
      if (commands == null) {
        commands = CommandCodec.decodeBatch(entry, pool);
      }
    } catch (IOException e) {
      // Not an entry this version wrote: skip it, it changes nothing.
      log.error(
          "skipping a log entry that does not decode ({} bytes): {}", entry.length, e.getMessage());
      return CommandCodec.encodeResults(List.of());
    }
    List<Result> results = new ArrayList<>(commands.size());
    for (Command c : commands) {
      results.add(catalog.apply(c));
    }
    onChanges.accept(catalog.publish());
    return CommandCodec.encodeResults(results);
  }

  @Override
  public void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
    catalog.writeSnapshot(data);
    data.flush();
  }

  @Override
  public void readSnapshot(InputStream in) throws IOException {
    catalog.readSnapshot(new DataInputStream(new BufferedInputStream(in, 64 * 1024)), pool);
    onRestore.run();
  }
}
