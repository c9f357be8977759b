package dev.cairn.examples.messaging;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.CairnBrokerAddresses;
import dev.cairn.amqp.ConsumerOptions;
import dev.cairn.amqp.Messaging;
import dev.cairn.amqp.Publisher;
import dev.cairn.amqp.Requester;
import dev.cairn.amqp.RpcEndpoint;
import dev.cairn.amqp.Sender;
import dev.cairn.amqp.Topic;
import dev.cairn.amqp.WorkQueue;
import dev.cairn.client.CairnClient;
import dev.cairn.common.CairnException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Five services in one process, each with its own connections, talking through RabbitMQ at {@code
 * 127.0.0.1:5672} (override with {@code -Dbroker=host:port}, or find it through a running Cairn
 * registry with {@code -Dcairn=127.0.0.1:8501}). Run from the repository root:
 *
 * <pre>mvn -B -q -pl cairn-examples -am verify -DskipTests -Dexample=messaging</pre>
 *
 * The queues and exchanges it declares carry a random suffix and are deleted at the end.
 */
public final class Main {

  /** The event the order service publishes. */
  public record OrderCreated(String orderId, String sku, int quantity, String email) {}

  /** A job for the worker pool. */
  public record Thumbnail(String image) {}

  /** A price request and its reply. */
  public record PriceQuery(String sku) {}

  public record Price(String sku, long cents) {}

  private Main() {}

  public static void main(String[] args) throws Exception {
    String broker = System.getProperty("broker", "127.0.0.1:5672");
    String registry = System.getProperty("cairn");
    if (registry == null) {
      run(BrokerAddressSource.fixed(broker), System.out);
      return;
    }
    // -Dcairn=127.0.0.1:8501: find the broker in the registry (service rabbitmq, port amqp),
    // falling back to -Dbroker when none is registered.
    try (CairnClient cairn = CairnClient.builder().registries(registry).build()) {
      run(CairnBrokerAddresses.of(cairn).orElse(BrokerAddressSource.fixed(broker)), System.out);
    }
  }

  /** Runs the example against the broker; returns a summary line per part. */
  public static List<String> run(BrokerAddressSource addresses, PrintStream out) throws Exception {
    String suffix = Long.toHexString(System.nanoTime() & 0xffffff);
    Topic<OrderCreated> orders = Topic.json("shop.orders." + suffix, OrderCreated.class);
    WorkQueue<OrderCreated> emailQueue =
        WorkQueue.builder("shop.email." + suffix, orders.codec())
            .bind(orders, "order.created.*")
            .build();
    WorkQueue<OrderCreated> inventoryQueue =
        WorkQueue.builder("shop.inventory." + suffix, orders.codec())
            .bind(orders, "order.created.*")
            .build();
    WorkQueue<Thumbnail> jobs = WorkQueue.json("shop.thumbnails." + suffix, Thumbnail.class);
    RpcEndpoint<PriceQuery, Price> prices =
        RpcEndpoint.json("shop.prices." + suffix, PriceQuery.class, Price.class);
    RpcEndpoint<PriceQuery, Price> tax =
        RpcEndpoint.json("shop.tax." + suffix, PriceQuery.class, Price.class);
    List<String> summary = new ArrayList<>();

    try (Messaging orderService = connect(addresses, "order-service");
        Messaging emailService = connect(addresses, "email-service");
        Messaging inventoryService = connect(addresses, "inventory-service");
        Messaging workers = connect(addresses, "thumbnail-workers");
        Messaging pricing = connect(addresses, "pricing-service")) {

      // 1. Publish/subscribe: each subscribing service has its own queue bound to the topic.
      CountDownLatch delivered = new CountDownLatch(6);
      emailService.consume(
          emailQueue,
          ConsumerOptions.defaults(),
          m -> {
            out.printf(
                "email-service:     mail to %s for %s%n", m.body().email(), m.body().orderId());
            delivered.countDown();
          });
      Map<String, Integer> stock = new ConcurrentHashMap<>(Map.of("sku-1", 10, "sku-2", 5));
      inventoryService.consume(
          inventoryQueue,
          ConsumerOptions.defaults(),
          m -> {
            stock.merge(m.body().sku(), -m.body().quantity(), Integer::sum);
            out.printf(
                "inventory-service: %s reserved %d x %s%n",
                m.body().orderId(), m.body().quantity(), m.body().sku());
            delivered.countDown();
          });
      try (Publisher<OrderCreated> publisher = orderService.publisher(orders)) {
        for (int i = 1; i <= 3; i++) {
          OrderCreated order =
              new OrderCreated("order-" + i, i % 2 == 0 ? "sku-2" : "sku-1", i, "c" + i + "@x.dev");
          publisher.publish("order.created.eu", order).join(); // completes on the broker's confirm
          out.printf("order-service:     published %s%n", order.orderId());
        }
      }
      boolean allDelivered = delivered.await(10, TimeUnit.SECONDS);
      summary.add("pubsub: 3 orders, email and inventory each got them: " + allDelivered);

      // 2. Work queue: three workers compete for the jobs, prefetch 1 each.
      AtomicInteger done = new AtomicInteger();
      Map<String, AtomicInteger> perWorker = new ConcurrentHashMap<>();
      CountDownLatch jobsDone = new CountDownLatch(12);
      for (String worker : List.of("worker-a", "worker-b", "worker-c")) {
        workers.consume(
            jobs,
            ConsumerOptions.of(1, 1),
            m -> {
              perWorker.computeIfAbsent(worker, w -> new AtomicInteger()).incrementAndGet();
              done.incrementAndGet();
              jobsDone.countDown();
            });
      }
      try (Sender<Thumbnail> sender = orderService.sender(jobs)) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          sent.add(sender.send(new Thumbnail("image-" + i + ".png")));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
      }
      jobsDone.await(10, TimeUnit.SECONDS);
      out.printf("thumbnail-workers: %d jobs done, per worker %s%n", done.get(), perWorker);
      summary.add(
          "work queue: " + done.get() + " of 12 jobs done by " + perWorker.size() + " workers");

      // 3. Request/reply with a deadline; and one to an endpoint nobody answers.
      pricing.respond(
          prices,
          ConsumerOptions.defaults(),
          r -> new Price(r.body().sku(), r.body().sku().equals("sku-1") ? 1999 : 4999));
      try (Requester<PriceQuery, Price> requester = orderService.requester(prices);
          Requester<PriceQuery, Price> taxRequester = orderService.requester(tax)) {
        Price price = requester.request(new PriceQuery("sku-1"), Duration.ofSeconds(2)).join();
        out.printf("order-service:     price of sku-1 is %d cents%n", price.cents());
        summary.add("request/reply: sku-1 costs " + price.cents());
        try {
          taxRequester.request(new PriceQuery("sku-1"), Duration.ofMillis(300)).join();
        } catch (CompletionException e) {
          CairnException error = (CairnException) e.getCause();
          out.printf("order-service:     tax service: %s (%s)%n", error.code(), error.getMessage());
          summary.add("deadline: " + error.code());
        }
      }

      // The consuming services stop first: a running consumer whose queue is deleted under it
      // declares the queue again (a Messaging's own delete stops only its own consumers).
      emailService.close();
      inventoryService.close();
      workers.close();
      pricing.close();
      orderService.delete(emailQueue);
      orderService.delete(inventoryQueue);
      orderService.delete(jobs);
      orderService.delete(orders);
      orderService.delete(prices);
      orderService.delete(tax);
    }
    summary.forEach(s -> out.println("summary: " + s));
    return summary;
  }

  private static Messaging connect(BrokerAddressSource addresses, String service) {
    return Messaging.builder(addresses)
        .connectionName(service)
        .firstConnectTimeout(Duration.ofSeconds(10))
        .build();
  }
}
