package dev.cairn.amqp;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real broker on 127.0.0.1:5672 for the tests: messaging builders with test-friendly timings, a
 * bare client connection for inspecting queues, and {@code rabbitmqctl} for closing a test's own
 * connections from the broker side. Shared by every test run on the machine: tests never stop it (a
 * test that restarts a broker starts its own, {@link PrivateBroker}).
 */
final class Rabbit {

  static final String ADDRESS = "127.0.0.1:5672";

  private Rabbit() {}

  /** A short random suffix keeping test resources apart. */
  static String suffix() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** A messaging builder with fast recovery, named so rabbitmqctl can find its connections. */
  static Messaging.Builder messaging(String connectionName) {
    return messaging(connectionName, ADDRESS);
  }

  /** {@link #messaging(String)} to the broker at {@code address}. */
  static Messaging.Builder messaging(String connectionName, String address) {
    return Messaging.builder(BrokerAddressSource.fixed(address))
        .connectionName(connectionName)
        .recoveryInterval(Duration.ofMillis(200))
        .firstConnectTimeout(Duration.ofSeconds(10))
        .publishTimeout(Duration.ofSeconds(20));
  }

  /**
   * Raw bytes sent as a plain client sends JSON: content type {@code application/json} and no
   * {@code type} property.
   */
  static MessageCodec<byte[]> untypedJson() {
    return new MessageCodec<>() {
      @Override
      public String contentType() {
        return "application/json";
      }

      @Override
      public String typeName() {
        return null;
      }

      @Override
      public byte[] encode(byte[] body) {
        return body;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
  }

  /** A plain client connection (caller closes). */
  static Connection bare() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost("127.0.0.1");
    f.setPort(5672);
    f.setAutomaticRecoveryEnabled(false);
    return f.newConnection("cairn-test-bare");
  }

  /** Takes up to {@code max} messages from a queue, acknowledging them. */
  static List<GetResponse> take(Channel ch, String queue, int max) throws IOException {
    List<GetResponse> out = new ArrayList<>();
    GetResponse r;
    while (out.size() < max && (r = ch.basicGet(queue, true)) != null) {
      out.add(r);
    }
    return out;
  }

  static long messageCount(Channel ch, String queue) throws IOException {
    return ch.queueDeclarePassive(queue).getMessageCount();
  }

  /**
   * Has the broker close every connection whose client-provided name is {@code name} (as an
   * operator would with {@code rabbitmqctl close_connection}); returns how many it closed.
   */
  static int closeConnections(String name) throws Exception {
    String table =
        run(
            "rabbitmqctl",
            "-q",
            "list_connections",
            "--no-table-headers",
            "pid",
            "client_properties");
    // Each line: "<rabbit@host.1.2.0>\t[{"connection_name","name"},{"product",...}...]".
    String marker = "{\"connection_name\",\"" + name + "\"}";
    int closed = 0;
    for (String line : table.split("\n")) {
      int tab = line.indexOf('\t');
      if (tab > 0 && line.contains(marker)) {
        run("rabbitmqctl", "-q", "close_connection", line.substring(0, tab).trim(), "cairn test");
        closed++;
      }
    }
    if (closed == 0) {
      throw new IllegalStateException("no connection named " + name + " in:\n" + table);
    }
    return closed;
  }

  /** Runs {@code rabbitmqctl -q} with the arguments and returns its output. */
  static String rabbitmqctl(String... arguments) throws Exception {
    String[] command = new String[arguments.length + 2];
    command[0] = "rabbitmqctl";
    command[1] = "-q";
    System.arraycopy(arguments, 0, command, 2, arguments.length);
    return run(command);
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
