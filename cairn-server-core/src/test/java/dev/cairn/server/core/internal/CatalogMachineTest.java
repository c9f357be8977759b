package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogMachineTest {

  private final Catalog catalog = new Catalog();
  private final LocalEntries local = new LocalEntries();
  private final List<Catalog.Changes> changes = new ArrayList<>();
  private final CatalogMachine machine =
      new CatalogMachine(catalog, new StringPool(), local, changes::add, () -> {});

  private static Command register(String id) {
    return new Command.Register("default", Instance.builder("web", "h").id(id).build());
  }

  @Test
  void entryHeldByThisProcessIsAppliedFromTheHeldCommands() {
    List<Command> held = List.of(register("held"));
    long id = local.hold(held);
    // The bytes say something else: the held commands win, and are taken only once.
    byte[] entry = CommandCodec.encodeBatch(id, List.of(register("in-bytes")));

    List<Result> results = CommandCodec.decodeResults(machine.apply(entry));

    assertThat(results).hasSize(1);
    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("held");
    assertThat(local.take(id)).isNull();
  }

  @Test
  void entryFromAnotherProcessIsDecoded() {
    byte[] entry = CommandCodec.encodeBatch(12345L, List.of(register("a"), register("b")));

    List<Result> results = CommandCodec.decodeResults(machine.apply(entry));

    assertThat(results).extracting(Result::isOk).containsExactly(true, true);
    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a", "b");
    assertThat(changes).hasSize(1);
  }

  @Test
  void aForwardedBatchIsAppliedInPlaceWithOneResultPerCommandAndItsResultsAreRecorded() {
    ForwardedWrites forwarded = new ForwardedWrites(16);
    CatalogMachine m =
        new CatalogMachine(
            catalog,
            new StringPool(),
            local,
            changes::add,
            () -> {},
            leads -> {},
            b -> new byte[0],
            forwarded,
            (e, budget) ->
                java.util.concurrent.CompletableFuture.failedFuture(new AssertionError()));
    byte[] entry =
        CommandCodec.encodeBatch(
            1L,
            List.of(
                register("mine"),
                new Command.Forwarded(
                    99L,
                    List.of(register("theirs"), new Command.Deregister("default", "web", "nope"))),
                register("last")));

    List<Result> results = CommandCodec.decodeResults(m.apply(entry));

    assertThat(results).extracting(Result::isOk).containsExactly(true, true, false, true);
    assertThat(results.get(2).error()).isEqualTo(ErrorCode.NOT_FOUND);
    // A batch sent again is answered from the record, with exactly its own results.
    ForwardedWrites.Start again = forwarded.start(99L);
    assertThat(again.submit()).isFalse();
    assertThat(again.results().join()).containsExactly(results.get(1), results.get(2));
    assertThat(forwarded.start(100L).submit()).isTrue();
  }

  @Test
  void undecodableEntryChangesNothing() {
    List<Result> results = CommandCodec.decodeResults(machine.apply(new byte[] {7, 7, 7}));
    assertThat(results).isEmpty();
    assertThat(catalog.revision()).isZero();
  }

  @Test
  void aCommandThatThrowsFailsWithInternalAndTheRestOfTheBatchApplies() {
    // A Register without an instance is no command a client can send: it stands for a bug.
    long id =
        local.hold(List.of(register("a"), new Command.Register("default", null), register("b")));

    List<Result> results =
        CommandCodec.decodeResults(machine.apply(CommandCodec.encodeBatch(id, List.of())));

    assertThat(results).extracting(Result::isOk).containsExactly(true, false, true);
    assertThat(results.get(1).error()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a", "b");
    assertThat(changes).hasSize(1);
  }

  @Test
  void aFailureHandingTheChangesOnStillAnswersTheBatch() {
    CatalogMachine failing =
        new CatalogMachine(
            catalog,
            new StringPool(),
            local,
            c -> {
              throw new IllegalStateException("watchers broke");
            },
            () -> {});
    byte[] entry = CommandCodec.encodeBatch(local.hold(List.of(register("a"))), List.of());

    List<Result> results = CommandCodec.decodeResults(failing.apply(entry));

    assertThat(results).extracting(Result::isOk).containsExactly(true);
    assertThat(catalog.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a");
  }
}
