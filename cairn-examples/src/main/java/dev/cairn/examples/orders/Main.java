package dev.cairn.examples.orders;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.Consumer;
import dev.cairn.amqp.ConsumerOptions;
import dev.cairn.amqp.MessageHandler;
import dev.cairn.amqp.MessageType;
import dev.cairn.amqp.Messaging;
import dev.cairn.amqp.WorkQueue;
import java.util.concurrent.CountDownLatch;

/**
 * The Java half of the Node-producer walk-through (docs/walkthroughs.md): consumes the {@code
 * orders} queue that {@code walkthroughs/node-producer/producer.js} sends to. Start this, then run
 * the producer; Ctrl-C stops it.
 */
public final class Main {

  /** An order as the Node producer writes it; {@code type} on the wire is "order.created". */
  @MessageType("order.created")
  public record Order(String id, long cents) {}

  private Main() {}

  /** Consumes {@code queue}, handing each order to {@code handler}. */
  public static Consumer start(Messaging messaging, String queue, MessageHandler<Order> handler) {
    return messaging.consume(
        WorkQueue.json(queue, Order.class), ConsumerOptions.defaults(), handler);
  }

  public static void main(String[] args) throws InterruptedException {
    String queue = args.length > 0 ? args[0] : "orders";
    try (Messaging messaging =
        Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:5672"))
            .connectionName("orders-consumer")
            .build()) {
      start(
          messaging,
          queue,
          m ->
              System.out.printf(
                  "order %s: %d cents (type %s, message id %s)%n",
                  m.body().id(), m.body().cents(), m.type(), m.messageId()));
      System.out.println("consuming " + queue + "; Ctrl-C stops");
      new CountDownLatch(1).await();
    }
  }
}
