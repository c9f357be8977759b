/**
 * REST over Cairn on the JDK's {@link java.net.http.HttpClient}: {@link
 * dev.cairn.http.CairnHttpClient} sends ordinary {@link java.net.http.HttpRequest}s to {@code
 * http://<service>/...}, choosing an instance per call with the service's load-balancing policy and
 * applying deadline, retries, retry budget, outlier ejection, circuit breaker and bulkhead; {@link
 * dev.cairn.http.HttpRegistration} registers any HTTP server in one call.
 */
package dev.cairn.http;
