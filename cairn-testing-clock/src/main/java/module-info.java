/** {@code FakeTicker}: a fake {@code Ticker} with a scheduler on the same time, for tests. */
module dev.cairn.testing.clock {
  requires transitive dev.cairn.common;

  exports dev.cairn.testing.clock;
}
