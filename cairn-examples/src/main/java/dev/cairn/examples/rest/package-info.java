/**
 * The REST example: {@link dev.cairn.examples.rest.HelloServer} answers {@code GET /hello} and
 * registers itself as service {@code hello}; {@link dev.cairn.examples.rest.HelloClient} calls
 * {@code http://hello/hello} by name in a loop. Run them with {@code -Dexample=rest.server} and
 * {@code -Dexample=rest.client} (see the README) while {@code ./cairn server} runs.
 */
package dev.cairn.examples.rest;
