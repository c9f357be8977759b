package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerCommandTest {

  @Test
  void helpListsTheFlags() {
    CliRun run = cairn("server", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("--data-dir", "--bind", "--http-port", "--grpc-port")
        .contains("--session-detach-grace", "--in-memory")
        .contains("default: ./data", "default: 127.0.0.1", "default: 8500", "default: 8501");
  }

  @Test
  void aPortInUseExitsWithThree() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      CliRun run =
          cairn("server", "--in-memory", "--http-port", Integer.toString(port), "--grpc-port", "0");

      assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .startsWith("error: cannot listen for http on 127.0.0.1:" + port + ": ")
          .contains("already in use");
    }
  }

  @Test
  void theSamePortTwiceIsAUsageError() {
    CliRun run = cairn("server", "--http-port", "9000", "--grpc-port", "9000");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void aFailedStartExitsWithThree() {
    ServerCommand command =
        new ServerCommand(
            settings -> {
              throw new IOException("Failed to bind", new BindException("Address already in use"));
            });

    CliRun run =
        CliRun.of(new CommandLine(command)).execute("--http-port", "0", "--grpc-port", "0");

    assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err()).isEqualTo("error: cannot start server: address already in use\n");
  }

  @Test
  void printsItsListenersAndStopsGracefully() throws Exception {
    AtomicReference<ServerSettings> asked = new AtomicReference<>();
    AtomicBoolean closed = new AtomicBoolean();
    ServerCommand command =
        new ServerCommand(
            settings -> {
              asked.set(settings);
              return new EmbeddedServer() {
                @Override
                public String httpAddress() {
                  return "http://127.0.0.1:18500";
                }

                @Override
                public String grpcAddress() {
                  return "127.0.0.1:18501";
                }

                @Override
                public void close() {
                  closed.set(true);
                }
              };
            });
    CliRun run = CliRun.of(new CommandLine(command));
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                run.execute(
                    "--http-port",
                    "0",
                    "--grpc-port",
                    "0",
                    "--session-detach-grace",
                    "15s",
                    "--data-dir",
                    "some/dir"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> run.out().contains("grpc  listening"));

    command.stop();

    assertThat(done.get(10, TimeUnit.SECONDS).exitCode()).isZero();
    assertThat(closed).isTrue();
    assertThat(run.out())
        .isEqualTo(
            "http  listening on http://127.0.0.1:18500\ngrpc  listening on 127.0.0.1:18501\n");
    assertThat(asked.get().detachGrace()).hasSeconds(15);
    assertThat(asked.get().dataDir())
        .isAbsolute()
        .endsWithRaw(java.nio.file.Path.of("some", "dir"));
    assertThat(asked.get().bind()).isEqualTo("127.0.0.1");
    assertThat(asked.get().inMemory()).isFalse();
  }

  @Test
  void runsARealServerUntilStopped() throws Exception {
    CliRun run = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () -> run.execute("server", "--in-memory", "--http-port", "0", "--grpc-port", "0"));
    await().atMost(30, TimeUnit.SECONDS).until(() -> run.out().contains("grpc  listening"));

    ((ServerCommand) run.commandLine().getSubcommands().get("server").getCommand()).stop();

    assertThat(done.get(30, TimeUnit.SECONDS).exitCode()).as("%s", run).isZero();
    assertThat(run.out().lines())
        .hasSize(2)
        .satisfiesExactly(
            l -> assertThat(l).matches("http  listening on http://127\\.0\\.0\\.1:\\d+"),
            l -> assertThat(l).matches("grpc  listening on 127\\.0\\.0\\.1:\\d+"));
  }
}
