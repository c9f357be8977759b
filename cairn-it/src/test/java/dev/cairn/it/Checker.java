package dev.cairn.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The history checker: every member serving has every acknowledged write, and they all agree on the
 * service at one revision (at least the highest acknowledged).
 */
final class Checker {

  private Checker() {}

  static void check(ProcessCluster cluster, WriteLoad load) {
    long revision = load.maxAckedRevision.get();
    List<Set<String>> views = new ArrayList<>();
    for (Member m : cluster.members) {
      if (!m.alive() || m.outside) {
        continue;
      }
      Set<String> seen = new TreeSet<>();
      String[] last = {""};
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  try {
                    JsonNode list =
                        cluster.get(
                            m, "/v1/services/load/instances?consistent", Duration.ofSeconds(10));
                    if (list.path("revision").asLong() < revision) {
                      last[0] = "at revision " + list.path("revision").asLong();
                      return false;
                    }
                    seen.clear();
                    for (JsonNode i : list.path("instances")) {
                      seen.add(i.path("id").asText());
                    }
                    return true;
                  } catch (Exception e) {
                    last[0] = e.toString();
                    return false;
                  }
                });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("the checker could not read " + m.id + ": " + last[0], e);
      }
      assertThat(seen).as("acknowledged writes on %s", m.id).containsAll(load.acked);
      views.add(seen);
    }
    assertThat(views).isNotEmpty();
    for (Set<String> v : views) {
      assertThat(v).as("members agree").isEqualTo(views.get(0));
    }
  }
}
