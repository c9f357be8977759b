/**
 * Test support for code that uses Cairn. Start with {@link dev.cairn.testing.CairnServerExtension}
 * (a real server on ephemeral ports for JUnit 5 tests) and {@link dev.cairn.testing.FakeTicker}.
 */
package dev.cairn.testing;
