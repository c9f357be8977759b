/**
 * The registry's HTTP/JSON API on Netty, as documented in {@code docs/api.md}. Start with {@link
 * dev.cairn.server.internal.http.HttpApiServer} (binding and lifecycle), then {@link
 * dev.cairn.server.internal.http.HttpApiHandler} (one per connection: routing, answer order) and
 * the endpoint classes it dispatches to through {@code HttpApi}: {@code CatalogEndpoints} (reads
 * with long-poll, registration), {@code SessionEndpoints}, {@code WatchEndpoint} (server-sent
 * events) and {@code ConsoleEndpoint} (the web console's static files, {@code docs/console.md}).
 */
package dev.cairn.server.internal.http;
