package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.testing.CairnServerExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cairn watch} across a restart of a durable server: it resumes where it was. */
class WatchResumeTest {

  @RegisterExtension final CairnServerExtension server = CairnServerExtension.durable();

  @Test
  void resumesFromTheLastEventAfterARestart() throws Exception {
    String url = server.httpUri().toString();
    CliRun watch = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                watch.execute(
                    "watch", "web", "--server", url, "--max-events", "2", "--timeout", "60s"));
    await().atMost(30, TimeUnit.SECONDS).until(() -> watch.out().contains("watching web"));
    cairn("register", "web", "--server", url, "--id", "a", "--address", "10.0.0.1");
    await().atMost(30, TimeUnit.SECONDS).until(() -> watch.out().contains("added    a"));
    String revisionOfA = watch.out().replaceAll("(?s).*added    a .*\\(revision (\\d+)\\).*", "$1");

    server.restart(); // same storage and ports: the stream breaks, the revisions live on
    await().atMost(30, TimeUnit.SECONDS).until(() -> watch.err().contains("reconnecting"));
    CliRun register =
        cairn("register", "web", "--server", url, "--id", "b", "--address", "10.0.0.2");

    CliRun run = done.get(60, TimeUnit.SECONDS);
    assertThat(register.exitCode()).as("%s", register).isZero();
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.err()).contains("reconnecting from revision " + revisionOfA);
    // Exactly one line per change: nothing repeated or lost across the restart.
    assertThat(run.out().lines().filter(l -> !l.startsWith("watching")))
        .hasSize(2)
        .anyMatch(l -> l.startsWith("added    a  10.0.0.1"))
        .anyMatch(l -> l.startsWith("added    b  10.0.0.2"));
  }
}
