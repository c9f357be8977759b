/**
 * The discovery-aware REST client on {@code java.net.http.HttpClient} and HTTP server registration.
 * The {@code internal} package is not exported (decision 0095).
 */
module dev.cairn.http {
  requires transitive dev.cairn.client;
  requires transitive java.net.http;
  requires transitive micrometer.observation;

  exports dev.cairn.http;
}
