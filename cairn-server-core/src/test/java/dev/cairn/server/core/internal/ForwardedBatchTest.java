package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A leader's registry taking batches that other members forwarded (decision 0107). */
class ForwardedBatchTest {

  private final CountingLog log = new CountingLog();
  private RegistryImpl registry;

  @BeforeEach
  void start() throws IOException {
    registry = RegistryImpl.start(log, RegistryOptions.defaults());
  }

  @AfterEach
  void close() {
    registry.close();
  }

  private static Command register(String id) {
    return new Command.Register(
        "default", Instance.builder("web", "h").id(id).kind(InstanceKind.PERSISTENT).build());
  }

  private List<Result> forward(byte[] entry) throws Exception {
    byte[] reply =
        log.machine
            .forwarded(entry, e -> CompletableFuture.failedFuture(new AssertionError("appended")))
            .get(10, TimeUnit.SECONDS);
    return CommandCodec.decodeResults(reply);
  }

  @Test
  void aForwardedBatchIsAppliedThroughTheLeadersOwnEntriesWithOneResultPerCommand()
      throws Exception {
    byte[] entry = CommandCodec.encodeBatch(77L, List.of(register("a"), register("b")));

    List<Result> results = forward(entry);

    assertThat(results).extracting(Result::isOk).containsExactly(true, true);
    assertThat(registry.service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactlyInAnyOrder("a", "b");
    assertThat(log.appended.get()).isEqualTo(1);
  }

  @Test
  void aBatchSentAgainIsAnsweredWithItsFirstResultsAndNotAppliedTwice() throws Exception {
    forward(CommandCodec.encodeBatch(1L, List.of(register("a"))));
    byte[] deregister =
        CommandCodec.encodeBatch(2L, List.of(new Command.Deregister("default", "web", "a")));

    List<Result> first = forward(deregister);
    long revision = registry.revision();
    int entries = log.appended.get();
    List<Result> again = forward(deregister);

    // Applied twice, the second deregistration would answer NOT_FOUND.
    assertThat(first).extracting(Result::isOk).containsExactly(true);
    assertThat(again).isEqualTo(first);
    assertThat(registry.revision()).isEqualTo(revision);
    assertThat(log.appended.get()).isEqualTo(entries);
  }

  @Test
  void aRefusalOfTheLeadersLogIsEveryCommandsAnswerButUnavailableFailsTheMessage() {
    log.refuse = CairnException.of(ErrorCode.INSUFFICIENT_STORAGE, "log", "disk full");
    List<Result> refused;
    try {
      refused = forward(CommandCodec.encodeBatch(5L, List.of(register("a"), register("b"))));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(refused)
        .extracting(Result::error)
        .containsExactly(ErrorCode.INSUFFICIENT_STORAGE, ErrorCode.INSUFFICIENT_STORAGE);

    // No quorum, say: the member sends the batch again, to whoever leads then.
    log.refuse = CairnException.of(ErrorCode.UNAVAILABLE, "no quorum");
    assertThatThrownBy(() -> forward(CommandCodec.encodeBatch(6L, List.of(register("c")))))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  @Test
  void anEntryThatDoesNotDecodeIsRefusedAsInvalid() {
    assertThatThrownBy(() -> forward(new byte[] {9, 9, 9}))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  /** A log of one that counts its entries and keeps the machine it runs. */
  private static final class CountingLog implements CommandLog {
    private final MemoryCommandLog log = new MemoryCommandLog();
    final AtomicInteger appended = new AtomicInteger();
    volatile LogStateMachine machine;
    volatile CairnException refuse;

    @Override
    public void start(LogStateMachine m) {
      machine = m;
      log.start(m);
    }

    @Override
    public CompletableFuture<byte[]> append(byte[] entry) {
      appended.incrementAndGet();
      CairnException r = refuse;
      return r != null ? CompletableFuture.failedFuture(r) : log.append(entry);
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return log.failure();
    }

    @Override
    public void close() {
      log.close();
    }
  }
}
