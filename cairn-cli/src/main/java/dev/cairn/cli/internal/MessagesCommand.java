package dev.cairn.cli.internal;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.Messaging;
import dev.cairn.amqp.ParkedMessage;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn messages peek|replay}: looks at the messages parked in a dead-letter queue, and
 * moves them back, on the RabbitMQ broker (not through a Cairn server).
 */
@Command(
    name = "messages",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Looks at and moves messages in a RabbitMQ queue.",
      "For example the messages Cairn parked in a dead-letter queue q.dlq.",
      "  cairn messages peek --queue orders.dlq     show the first 10, leave them",
      "  cairn messages replay --queue orders.dlq   move them all back to orders",
      "  cairn messages replay --queue orders.dlq --to orders.retry-later --limit 100",
      "Replay publishes each copy with a confirm before it removes the original:",
      "nothing is lost; a message is duplicated only if the command dies between the",
      "two. Copies keep their headers and message id, their attempts start again,",
      "x-cairn-replays counts replays. Password: $CAIRN_BROKER_PASSWORD (default",
      "guest)."
    },
    subcommands = {MessagesCommand.Peek.class, MessagesCommand.Replay.class})
final class MessagesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "messages: say peek or replay (see --help)");
  }

  /** The broker options both subcommands take. */
  static class BrokerOptions {
    @Option(
        names = "--broker",
        paramLabel = "HOST:PORT",
        defaultValue = "127.0.0.1:5672",
        description = "RabbitMQ broker (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(
        names = "--user",
        defaultValue = "guest",
        description = "Broker user (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--vhost", defaultValue = "/", description = "Virtual host (default: /).")
    String vhost;

    @Option(
        names = "--queue",
        required = true,
        paramLabel = "QUEUE",
        description = "The queue to read, e.g. orders.dlq.")
    String queue;

    Messaging connect(CommandSpec spec) {
      BrokerAddressSource addresses;
      try {
        addresses = BrokerAddressSource.fixed(broker);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--broker: " + e.getMessage());
      }
      String password = System.getenv().getOrDefault("CAIRN_BROKER_PASSWORD", "guest");
      try {
        return Messaging.builder(addresses)
            .credentials(user, password)
            .virtualHost(vhost)
            .connectionName("cairn-cli")
            .firstConnectTimeout(Duration.ZERO)
            .build();
      } catch (CairnException e) {
        throw new CliException(
            e.code() == ErrorCode.UNAVAILABLE ? ExitCode.UNREACHABLE : ExitCode.SERVER_ERROR,
            "broker " + broker + ": " + e.getMessage());
      }
    }
  }

  static CliException failed(CairnException e) {
    return new CliException(
        e.code() == ErrorCode.NOT_FOUND ? ExitCode.NOT_FOUND : ExitCode.SERVER_ERROR,
        e.getMessage());
  }

  @Command(
      name = "peek",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = "Shows the first messages of a queue and leaves them there.")
  static final class Peek extends BrokerOptions implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--limit",
        defaultValue = "10",
        description = "At most this many, 1..1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1000) {
        throw new ParameterException(
            spec.commandLine(), "--limit: " + limit + " (expected: 1..1000)");
      }
      List<ParkedMessage> messages;
      try (Messaging messaging = connect(spec)) {
        messages = messaging.peek(queue, limit);
      } catch (CairnException e) {
        throw failed(e);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(queue + ": showing " + messages.size() + " message(s), left in place");
      int n = 0;
      for (ParkedMessage m : messages) {
        n++;
        out.printf(
            "#%d id=%s type=%s attempts=%s replays=%s from=%s%n",
            n,
            m.messageId(),
            m.type(),
            m.headers().getOrDefault(MessageHeaders.ATTEMPTS, "-"),
            m.headers().getOrDefault(MessageHeaders.REPLAYS, "0"),
            m.headers().getOrDefault(MessageHeaders.ORIGINAL_ROUTING_KEY, "-"));
        String reason = m.headers().get(MessageHeaders.FAILURE_REASON);
        if (reason != null) {
          out.println("   reason: " + reason);
        }
        out.println("   body: " + preview(m.body()));
      }
      out.flush();
      return ExitCode.OK;
    }

    private static String preview(byte[] body) {
      String s = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ");
      return s.length() > 200 ? s.substring(0, 200) + "... (" + body.length + " bytes)" : s;
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {"Moves messages from a queue to another.", "Confirm-safe, one at a time."})
  static final class Replay extends BrokerOptions implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--to", paramLabel = "QUEUE", description = "Where to (default: for q.dlq, q).")
    String to;

    @Option(
        names = "--limit",
        defaultValue = "1000000",
        description = "At most this many (default: all, up to ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      if (limit < 1) {
        throw new ParameterException(spec.commandLine(), "--limit: " + limit + " (expected: >= 1)");
      }
      String target = to;
      if (target == null) {
        if (!queue.endsWith(".dlq") || queue.length() == ".dlq".length()) {
          throw new ParameterException(
              spec.commandLine(), "--to: missing (only a q.dlq queue replays to q by default)");
        }
        target = queue.substring(0, queue.length() - ".dlq".length());
      }
      int moved;
      try (Messaging messaging = connect(spec)) {
        moved = messaging.replay(queue, target, limit);
      } catch (CairnException e) {
        throw failed(e);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("replayed " + moved + " message(s) from " + queue + " to " + target);
      out.flush();
      return ExitCode.OK;
    }
  }
}
