package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;

/** The picker of an empty endpoint list. */
final class EmptyPicker<T> implements Picker<T> {

  private static final EmptyPicker<Object> INSTANCE = new EmptyPicker<>();

  @SuppressWarnings("unchecked")
  static <T> Picker<T> of() {
    return (Picker<T>) INSTANCE;
  }

  @Override
  public Endpoint<T> pick(PickContext context) {
    return null;
  }
}
