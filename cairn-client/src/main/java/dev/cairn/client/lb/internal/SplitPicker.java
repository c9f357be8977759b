package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Splits traffic between pickers by weight (canary splits), following the weights closely by the
 * golden-ratio sequence; then delegates the pick.
 */
public final class SplitPicker<T> implements Picker<T> {

  private final Picker<T>[] pickers;
  private final int[] cumulative;
  private final int total;
  private final AtomicLong sequence = new AtomicLong(ThreadLocalRandom.current().nextLong());

  private SplitPicker(Picker<T>[] pickers, int[] cumulative) {
    this.pickers = pickers;
    this.cumulative = cumulative;
    this.total = cumulative[cumulative.length - 1];
  }

  /** A picker sending {@code weights[i]} parts to {@code pickers.get(i)}; zero weights skipped. */
  @SuppressWarnings("unchecked")
  public static <T> Picker<T> of(List<Picker<T>> pickers, int[] weights) {
    int used = 0;
    for (int w : weights) {
      used += w > 0 ? 1 : 0;
    }
    if (used == 0) {
      return EmptyPicker.of();
    }
    Picker<T>[] chosen = new Picker[used];
    int[] cumulative = new int[used];
    int sum = 0;
    int k = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        sum += weights[i];
        chosen[k] = pickers.get(i);
        cumulative[k++] = sum;
      }
    }
    return used == 1 ? chosen[0] : new SplitPicker<>(chosen, cumulative);
  }

  @Override
  public Endpoint<T> pick(PickContext context) {
    int x = Hashing.weyl(sequence.getAndIncrement(), total);
    return pickers[Hashing.search(cumulative, x)].pick(context);
  }
}
