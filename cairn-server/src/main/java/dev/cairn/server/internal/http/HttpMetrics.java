package dev.cairn.server.internal.http;

/**
 * What the HTTP API reports about its requests, and the page it serves on {@code GET /metrics}. The
 * HTTP package knows no metrics library: the server binds this to one. Called on the connections'
 * event loops: implementations are thread-safe and never block.
 */
public interface HttpMetrics {

  /** No metrics: nothing recorded, {@code /metrics} is 404. */
  HttpMetrics NONE =
      new HttpMetrics() {
        @Override
        public void answered(String route, String method, int status, long nanos) {}

        @Override
        public String scrape() {
          return null;
        }
      };

  /** The Prometheus text format's content type. */
  String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * A request was answered: {@code route} is the endpoint's name in lower case ({@code
   * list_instances}, or {@code unmatched}), {@code status} the HTTP status, {@code nanos} the time
   * from the request's arrival to the answer (to the start of the stream for event streams).
   */
  void answered(String route, String method, int status, long nanos);

  /** The metrics in the Prometheus text format, or null when there are none to serve. */
  String scrape();
}
