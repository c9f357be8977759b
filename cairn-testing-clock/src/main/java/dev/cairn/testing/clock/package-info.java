/**
 * A fake clock for tests: {@link dev.cairn.testing.clock.FakeTicker} is a {@link
 * dev.cairn.common.Ticker} that moves only when told to and owns a scheduler on the same time, so
 * that leases, TTLs, backoffs and timers run in tests without real waiting.
 */
package dev.cairn.testing.clock;
