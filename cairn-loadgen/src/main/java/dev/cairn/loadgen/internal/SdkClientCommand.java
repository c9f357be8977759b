package dev.cairn.loadgen.internal;

import dev.cairn.client.CairnClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loadgen sdk-client}: one process of W1's SDK phase in processes of their own, the way
 * applications register (one {@link CairnClient} per process, threads that each wait for their
 * registration). Registers {@code --warmup} instances unmeasured, prints {@code ready}, waits for
 * the line {@code go} on stdin, registers {@code --instances} instances with {@code --callers}
 * blocking callers, prints one {@code done} line (a {@link Report}), then stays until its stdin
 * closes or {@code --max-seconds} pass, and closes its client (which removes its instances). With
 * {@code --tls-ca} (and {@code --tls-cert}, {@code --tls-key}) its client talks TLS, as the parent
 * run does; plaintext without.
 */
@Command(
    name = "sdk-client",
    mixinStandardHelpOptions = true,
    description = "W1's child process: registers through the SDK when told to go.")
public final class SdkClientCommand implements Callable<Integer> {

  @Option(names = "--grpc", required = true, description = "gRPC host:port (loopback).")
  String grpc;

  @Option(names = "--namespace", defaultValue = "default", description = "Namespace.")
  String namespace;

  @Option(
      names = "--service-prefix",
      required = true,
      description = "Services are <prefix>NNN, NNN the instance's index modulo --services.")
  String servicePrefix;

  @Option(names = "--services", defaultValue = "100", description = "Services to spread over.")
  int services;

  @Option(
      names = "--id-prefix",
      required = true,
      description = "Instance ids are <prefix>-NNNNNN (warm-up: <prefix>w-NNNNNN).")
  String idPrefix;

  @Option(
      names = "--first",
      defaultValue = "0",
      description = "Index of this process's first instance.")
  int first;

  @Option(names = "--instances", required = true, description = "Instances measured.")
  int instances;

  @Option(names = "--warmup", defaultValue = "0", description = "Instances registered first.")
  int warmup;

  @Option(names = "--callers", defaultValue = "8", description = "Blocking callers (threads).")
  int callers;

  @Option(names = "--token", description = "ACL token, when the server wants one.")
  String token;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "Talk TLS to the server, trusting this CA (PEM); plaintext without.")
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Client certificate (PEM) for a server that wants mutual TLS; with --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Private key of --tls-cert (PKCS#8 PEM).")
  Path tlsKey;

  @Option(
      names = "--max-seconds",
      defaultValue = "300",
      description = "Exit after this long at most.")
  long maxSeconds;

  public SdkClientCommand() {}

  @Override
  public Integer call() throws Exception {
    return run(System.in, System.out, System.err);
  }

  int run(InputStream stdin, PrintStream out, PrintStream err) throws Exception {
    if (instances < 0 || warmup < 0 || callers < 1 || services < 1 || maxSeconds < 1) {
      err.println(
          "sdk-client: --instances and --warmup must be >= 0, --callers, --services and"
              + " --max-seconds >= 1");
      return 2;
    }
    if ((tlsCert == null) != (tlsKey == null) || (tlsCert != null && tlsCa == null)) {
      err.println("sdk-client: --tls-cert and --tls-key go together, and with --tls-ca");
      return 2;
    }
    Duration bound = Duration.ofSeconds(maxSeconds);
    // Bounded whatever the parent does: past --max-seconds the process ends (its session with it).
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(bound.toMillis());
                err.println("sdk-client: --max-seconds passed, exiting");
                System.exit(3);
              } catch (InterruptedException e) {
                // finished in time
              }
            },
            "loadgen-sdk-client-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    dev.cairn.common.Instance[] warm = instances(idPrefix + "w", warmup);
    dev.cairn.common.Instance[] measured = instances(idPrefix, instances);
    CairnClient.Builder b =
        Target.sdkClient(grpc, tlsCa, tlsCert, tlsKey, token)
            .namespace(namespace)
            .sessionTtl(Duration.ofSeconds(30))
            .clientName("loadgen-w1-sdk-" + idPrefix)
            .shutdownHook(false);
    BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    try (CairnClient client = b.build()) {
      Pipeline.Result warmed =
          Blocking.run(
              warm.length,
              callers,
              k -> client.register(warm[k]).registered(),
              new Latency(),
              bound);
      if (warmed.failed() > 0 || !warmed.finished()) {
        err.println("sdk-client: warm-up failed: " + warmed.firstError());
        return 1;
      }
      out.println(READY);
      out.flush();
      String line = in.readLine();
      if (!GO.equals(line)) {
        err.println("sdk-client: expected '" + GO + "' on stdin, got " + line);
        return 1;
      }
      Latency latency = new Latency();
      long start = System.nanoTime();
      Pipeline.Result result =
          Blocking.run(
              measured.length,
              callers,
              k -> client.register(measured[k]).registered(),
              latency,
              bound);
      out.println(Report.of(result, start, latency).line());
      out.flush();
      // Stay, with the instances registered, until the parent has every process's figures.
      while (in.readLine() != null) {
        // nothing more is sent; EOF ends it
      }
      return result.failed() == 0 && result.finished() ? 0 : 1;
    } catch (IOException e) {
      err.println("sdk-client: " + RunCommand.describe(e));
      return 1;
    }
  }

  /** The line a process prints once warmed up. */
  static final String READY = "ready";

  /** The line that starts every process's measured registrations at once. */
  static final String GO = "go";

  /**
   * What a process reports after its measured registrations, as one line: {@code done <succeeded>
   * <failed> <start> <end> <latencies> <first error or ->}. Start and end are {@link
   * System#nanoTime} values (on Linux one clock for every process on the machine), the latencies a
   * compressed HdrHistogram in Base64 ({@link Latency#encoded()}).
   */
  record Report(
      long succeeded, long failed, long start, long end, String latencies, String firstError) {

    private static final String PREFIX = "done ";

    static Report of(Pipeline.Result result, long start, Latency latency) {
      return new Report(
          result.succeeded(),
          result.failed(),
          start,
          start + result.elapsedNanos(),
          latency.encoded(),
          result.firstError());
    }

    static boolean isReport(String line) {
      return line.startsWith(PREFIX);
    }

    /**
     * @throws IllegalArgumentException when {@code line} is not a report
     */
    static Report parse(String line) {
      String[] f = line.split(" ", 7);
      if (!isReport(line) || f.length != 7) {
        throw new IllegalArgumentException("not a report: " + line);
      }
      return new Report(
          Long.parseLong(f[1]),
          Long.parseLong(f[2]),
          Long.parseLong(f[3]),
          Long.parseLong(f[4]),
          f[5],
          "-".equals(f[6]) ? null : f[6]);
    }

    String line() {
      return PREFIX
          + succeeded
          + " "
          + failed
          + " "
          + start
          + " "
          + end
          + " "
          + latencies
          + " "
          + (firstError == null ? "-" : firstError.replace('\n', ' '));
    }
  }

  private dev.cairn.common.Instance[] instances(String prefix, int count) {
    dev.cairn.common.Instance[] out = new dev.cairn.common.Instance[count];
    for (int j = 0; j < count; j++) {
      int k = first + j;
      out[j] =
          Instances.sdk(
              servicePrefix + String.format(java.util.Locale.ROOT, "%03d", k % services),
              Instances.id(prefix, k),
              k);
    }
    return out;
  }
}
