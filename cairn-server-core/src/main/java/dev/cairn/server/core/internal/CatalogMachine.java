package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
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
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
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
  private final Consumer<Boolean> onLeadership;
  private final java.util.function.UnaryOperator<byte[]> onLeaderMessage;
  private final ForwardedWrites forwarded;
  private final Forwarded onForwarded;

  /** Takes a batch another member forwarded, with its sender's remaining time (decision 0183). */
  @FunctionalInterface
  interface Forwarded {
    CompletableFuture<byte[]> accept(byte[] entry, long budgetNanos);
  }

  CatalogMachine(
      Catalog catalog,
      StringPool pool,
      LocalEntries local,
      Consumer<Catalog.Changes> onChanges,
      Runnable onRestore) {
    this(
        catalog,
        pool,
        local,
        onChanges,
        onRestore,
        leads -> {},
        m -> new byte[0],
        new ForwardedWrites(1),
        (e, budget) ->
            CompletableFuture.failedFuture(new UnsupportedOperationException("forwarded")));
  }

  CatalogMachine(
      Catalog catalog,
      StringPool pool,
      LocalEntries local,
      Consumer<Catalog.Changes> onChanges,
      Runnable onRestore,
      Consumer<Boolean> onLeadership,
      java.util.function.UnaryOperator<byte[]> onLeaderMessage,
      ForwardedWrites forwarded,
      Forwarded onForwarded) {
    this.onLeadership = onLeadership;
    this.onLeaderMessage = onLeaderMessage;
    this.forwarded = forwarded;
    this.onForwarded = onForwarded;
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
      if (c instanceof Command.Forwarded f) {
        int from = results.size();
        for (Command inner : f.commands()) {
          results.add(applyOne(inner));
        }
        forwarded.applied(f.batchId(), List.copyOf(results.subList(from, results.size())));
      } else {
        results.add(applyOne(c));
      }
    }
    Catalog.Changes changes = catalog.publish();
    try {
      onChanges.accept(changes);
    } catch (RuntimeException e) {
      // The catalog is published; only what follows it (watchers, leases, checks) missed a part of
      // this batch. Stopping the log would not bring that back.
      log.error(
          "handing the changes up to revision {} to watchers, leases and checks failed",
          changes.revision(),
          e);
    }
    return CommandCodec.encodeResults(results);
  }

  /**
   * Bad commands are results already ({@link Catalog#apply}); anything else a command throws is a
   * bug: that command fails with {@code INTERNAL}, the rest of the batch and the log go on, and a
   * replay of the log does the same again.
   */
  private Result applyOne(Command c) {
    try {
      return catalog.apply(c);
    } catch (RuntimeException e) {
      log.error(
          "applying a {} command threw; it fails with INTERNAL", c.getClass().getSimpleName(), e);
      return Result.failed(
          CairnException.of(ErrorCode.INTERNAL, "applying the command failed: " + e));
    }
  }

  @Override
  public void leadershipChanged(boolean leading) {
    onLeadership.accept(leading);
  }

  @Override
  public byte[] leaderMessage(byte[] message) {
    return onLeaderMessage.apply(message);
  }

  @Override
  public CompletableFuture<byte[]> forwarded(
      byte[] entry, Function<byte[], CompletableFuture<byte[]>> appendHere) {
    return onForwarded.accept(entry, NO_BUDGET);
  }

  @Override
  public CompletableFuture<byte[]> forwarded(
      byte[] entry, long budgetNanos, Function<byte[], CompletableFuture<byte[]>> appendHere) {
    return onForwarded.accept(entry, budgetNanos);
  }

  @Override
  public void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
    catalog.writeSnapshot(data);
    data.flush();
  }

  /** The catalog captured now, written later on the log's snapshot thread (decision 0196). */
  @Override
  public SnapshotWriter captureSnapshot() throws IOException {
    Catalog.Captured captured = catalog.capture();
    return out -> {
      DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
      captured.write(data);
      data.flush();
    };
  }

  @Override
  public void readSnapshot(InputStream in) throws IOException {
    catalog.readSnapshot(new DataInputStream(new BufferedInputStream(in, 64 * 1024)), pool);
    onRestore.run();
  }
}
