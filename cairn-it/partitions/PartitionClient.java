// An SDK client for partitions.sh, run with the Java source launcher on the load generator's jar
// (which holds the SDK):
//   java -cp cairn-loadgen.jar PartitionClient.java REGISTRIES OWN_SERVICE WATCHED_SERVICE SECONDS
// It opens one session on the first registry (no spreading, session not moved to the leader, so
// that it stays attached where the script put it; no removal guard), registers 5 ephemeral instances of OWN_SERVICE
// in it, follows WATCHED_SERVICE with a view and prints one line per change of the view:
//   view <revision> <stale> <id,id,...>
// It stops when its stdin closes or SECONDS pass, printing "final <revision> <ids>" and
// "backwards <n>" (how often the view's revision went down; a watch snapshot carries the global
// revision and a re-list the service's own, so the script judges order by the states instead).
import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

public class PartitionClient {
  public static void main(String[] args) throws Exception {
    String registries = args[0];
    String own = args[1];
    String watched = args[2];
    long seconds = Long.parseLong(args[3]);
    AtomicLong last = new AtomicLong();
    AtomicLong backwards = new AtomicLong();
    try (CairnClient client =
        CairnClient.builder()
            .registries(registries)
            .plaintext()
            .spreadOverRegistries(false)
            .sessionsOnLeader(false)
            .sessionTtl(Duration.ofSeconds(5))
            // the view shows exactly what its watch delivered: a missed event shows as a set of
            // instances the catalog never held (the removal guard would hold removals back)
            .removalProtection(false)
            .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
            .clientName("partitions")
            .shutdownHook(false)
            .build()) {
      for (int i = 0; i < 5; i++) {
        client
            .register(
                Instance.builder(own, "10.99.0.10").id(own + "-" + i).port("http", 8080).build())
            .registered()
            .get(30, TimeUnit.SECONDS);
      }
      ServiceView view = client.view(watched);
      view.addListener(
          s -> {
            if (s.revision() < last.get()) {
              backwards.incrementAndGet();
            }
            last.set(Math.max(last.get(), s.revision()));
            System.out.println("view " + s.revision() + " " + s.isStale() + " " + ids(s));
            System.out.flush();
          });
      view.ready().get(30, TimeUnit.SECONDS);
      System.out.println("ready");
      System.out.flush();
      Thread stdin =
          new Thread(
              () -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
                  while (in.readLine() != null) {
                    // nothing is sent; EOF ends the client
                  }
                } catch (Exception e) {
                  // ends the same way
                }
              });
      stdin.setDaemon(true);
      stdin.start();
      stdin.join(TimeUnit.SECONDS.toMillis(seconds));
      ServiceView.Snapshot s = view.snapshot();
      System.out.println("final " + s.revision() + " " + ids(s));
      System.out.println("backwards " + backwards.get());
      System.out.flush();
    }
  }

  private static String ids(ServiceView.Snapshot s) {
    String ids = s.instances().stream().map(Instance::id).sorted().collect(Collectors.joining(","));
    return ids.isEmpty() ? "-" : ids;
  }
}
