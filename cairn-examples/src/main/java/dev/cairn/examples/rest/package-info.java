/**
 * The REST example: {@link dev.cairn.examples.rest.HelloServer} answers {@code GET /hello} and
 * registers itself as service {@code hello}; {@link dev.cairn.examples.rest.HelloClient} calls
 * {@code http://hello/hello} by name in a loop. Run each with {@code ./example rest.HelloServer}
 * and {@code ./example rest.HelloClient} while {@code ./cairn server} runs.
 */
package dev.cairn.examples.rest;
