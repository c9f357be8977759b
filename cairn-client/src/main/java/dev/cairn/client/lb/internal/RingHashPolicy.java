package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import dev.cairn.common.Ticker;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consistent hashing on a ring ({@code "ring_hash"}, Envoy's and gRPC's ring hash): each endpoint
 * owns points on a 64-bit ring in proportion to its weight (between {@code minRingSize} and about
 * twice that in all, at least one each), placed by hashing {@code "<instance id>_<k>"}; a request
 * goes to the owner of the first point at or after its key's hash. When one of N endpoints leaves
 * only its keys move (about 1/N). Requests without a key hash to a random point.
 */
public final class RingHashPolicy implements LoadBalancingPolicy {

  public static final String NAME = "ring_hash";
  public static final int DEFAULT_MIN_RING_SIZE = 1024;
  public static final int MAX_RING_SIZE = 1 << 23;

  private final int minRingSize;

  public RingHashPolicy(int minRingSize) {
    this.minRingSize = minRingSize;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker) {
    if (endpoints.isEmpty()) {
      return EmptyPicker.of();
    }
    return new RingPicker<>(endpoints, minRingSize);
  }

  private static final class RingPicker<T> implements Picker<T> {
    private final Endpoint<T>[] owners;
    private final long[] points;

    @SuppressWarnings("unchecked")
    RingPicker(List<Endpoint<T>> endpoints, int minRingSize) {
      long totalWeight = 0;
      for (Endpoint<T> e : endpoints) {
        totalWeight += e.instance().weight();
      }
      // Points per 100 units of weight: a power of two, so that it stays the same when one
      // endpoint joins or leaves, and an endpoint keeps exactly its points (only its keys move).
      long perHundred = Long.highestOneBit(Math.max(1, (100L * minRingSize - 1) / totalWeight) * 2);
      perHundred = Math.min(perHundred, Math.max(1, 100L * MAX_RING_SIZE / totalWeight));
      int[] counts = new int[endpoints.size()];
      int size = 0;
      for (int i = 0; i < counts.length; i++) {
        counts[i] = (int) Math.max(1, perHundred * endpoints.get(i).instance().weight() / 100);
        size += counts[i];
      }
      // Sort (hash, owner) pairs by hash: pack the owner index next to the hash in a parallel sort.
      long[][] pairs = new long[size][];
      int k = 0;
      for (int i = 0; i < counts.length; i++) {
        String id = endpoints.get(i).id();
        for (int j = 0; j < counts[i]; j++) {
          pairs[k++] = new long[] {Hashing.hash(id + "_" + j), i};
        }
      }
      Arrays.sort(pairs, (x, y) -> Long.compare(x[0], y[0]));
      this.points = new long[size];
      this.owners = new Endpoint[size];
      for (int i = 0; i < size; i++) {
        points[i] = pairs[i][0];
        owners[i] = endpoints.get((int) pairs[i][1]);
      }
    }

    @Override
    public Endpoint<T> pick(PickContext context) {
      long hash = context.hasKey() ? context.hash() : ThreadLocalRandom.current().nextLong();
      int i = Arrays.binarySearch(points, hash);
      if (i < 0) {
        i = -i - 1;
      }
      return owners[i == points.length ? 0 : i];
    }
  }
}
