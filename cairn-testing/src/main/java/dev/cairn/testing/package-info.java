/**
 * Test support for code that uses Cairn. Start with {@link dev.cairn.testing.CairnServerExtension}
 * (a real server on ephemeral ports for JUnit 5 tests); the fake clock is {@code
 * dev.cairn.testing.clock.FakeTicker} (module {@code cairn-testing-clock}, which this one brings).
 */
package dev.cairn.testing;
