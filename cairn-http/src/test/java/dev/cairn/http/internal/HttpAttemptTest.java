package dev.cairn.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How an attempt is sent, and the races between a synchronous send and its deadline alarm, over a
 * fake JDK client whose {@code send} does what each test says on the calling thread. The alarm is
 * real; the tests wait for events (an interrupt), never for time.
 */
@Timeout(60)
class HttpAttemptTest {

  private static final long ONE_MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

  private final FakeHttp http = new FakeHttp();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final DeadlineTimer timer = new DeadlineTimer(Executors.defaultThreadFactory());
  private final HttpRequest request =
      HttpRequest.newBuilder(URI.create("http://hello/hello?x=1"))
          .PUT(HttpRequest.BodyPublishers.ofString("body"))
          .header("X-Trace", "a")
          .header("X-Trace", "b")
          .version(HttpClient.Version.HTTP_1_1)
          .expectContinue(true)
          .timeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void close() {
    timer.close();
    executor.shutdownNow();
    Thread.interrupted();
  }

  private HttpAttempt<String> onThisThread() {
    return new HttpAttempt<>(
        http,
        executor,
        timer,
        request,
        HttpResponse.BodyHandlers.ofString(),
        Thread.currentThread());
  }

  private static HttpResponse<String> waitForTheAlarmThenAnswer(HttpRequest r) {
    while (!Thread.currentThread().isInterrupted()) {
      LockSupport.park(); // an interrupt unparks
    }
    return new FakeResponse(r); // the interrupt came too late for the send to see it
  }

  @Test
  void anAttemptOnTheCallersThreadCarriesNoTimeout() {
    http.behaviour = FakeResponse::new;

    HttpResponse<String> r = onThisThread().send("127.0.0.1:8080", AN_HOUR).join();

    HttpRequest sent = http.requests.get(0);
    assertThat(r.request()).isSameAs(sent);
    assertThat(sent.timeout()).isEmpty();
    assertThat(sent.uri()).isEqualTo(URI.create("http://127.0.0.1:8080/hello?x=1"));
    assertThat(sent.method()).isEqualTo("PUT");
    assertThat(sent.bodyPublisher()).isEqualTo(request.bodyPublisher());
    assertThat(sent.headers().allValues("X-Trace")).containsExactly("a", "b");
    assertThat(sent.version()).contains(HttpClient.Version.HTTP_1_1);
    assertThat(sent.expectContinue()).isTrue();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void anAttemptElsewhereCarriesWhatIsLeftAsItsTimeout() {
    http.behaviour = FakeResponse::new;
    HttpAttempt<String> async =
        new HttpAttempt<>(
            http, executor, timer, request, HttpResponse.BodyHandlers.ofString(), null);

    async.send("127.0.0.1:8080", TimeUnit.SECONDS.toNanos(3)).join();

    assertThat(http.requests.get(0).timeout()).contains(Duration.ofSeconds(3));
  }

  @Test
  void theAlarmEndsABlockedSendWithHttpTimeoutExceptionAndNoInterruptLeft() {
    http.behaviour =
        r -> {
          new CountDownLatch(1).await(); // like the JDK: throws, flag cleared
          throw new AssertionError("unreachable");
        };

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", ONE_MS);

    assertThatThrownBy(f::join)
        .hasCauseExactlyInstanceOf(HttpTimeoutException.class)
        .hasMessageContaining("request timed out");
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void anAlarmRingingAfterTheAnswerLeavesTheAnswerAndNoInterrupt() {
    http.behaviour = HttpAttemptTest::waitForTheAlarmThenAnswer;

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", ONE_MS);

    assertThat(f.join().statusCode()).isEqualTo(200);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void anIoErrorAsTheAlarmRingsStaysTheErrorAndLeavesNoInterrupt() {
    http.behaviour =
        r -> {
          waitForTheAlarmThenAnswer(r);
          throw new IOException("connection reset");
        };

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", ONE_MS);

    assertThatThrownBy(f::join).hasCauseExactlyInstanceOf(IOException.class);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void theCallersInterruptIsInterruptedExceptionWithTheFlagSet() {
    http.behaviour =
        r -> {
          Thread.currentThread().interrupt(); // the caller's, during the send
          new CountDownLatch(1).await();
          throw new AssertionError("unreachable");
        };

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", AN_HOUR);

    assertThatThrownBy(f::join).hasCauseExactlyInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void theCallersInterruptAfterTheAlarmsIsKept() {
    http.behaviour =
        r -> {
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException alarm) {
            Thread.currentThread().interrupt(); // the caller's, just after
            throw alarm;
          }
          throw new AssertionError("unreachable");
        };

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", ONE_MS);

    assertThatThrownBy(f::join).hasCauseExactlyInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void aClosedTimerFailsTheAttemptAsAClosedClient() {
    http.behaviour = FakeResponse::new;
    timer.close();

    CompletableFuture<HttpResponse<String>> f = onThisThread().send("127.0.0.1:8080", AN_HOUR);

    assertThatThrownBy(f::join)
        .cause()
        .isInstanceOf(CairnException.class)
        .satisfies(
            e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
    assertThat(http.requests).isEmpty();
  }

  /** What the fake client's {@code send} does; runs on the sending thread. */
  private interface Behaviour {
    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException;
  }

  /** A JDK client whose sends run {@link #behaviour} and are recorded. */
  private static final class FakeHttp extends HttpClient {
    volatile Behaviour behaviour;
    final List<HttpRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    @SuppressWarnings("unchecked")
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException, InterruptedException {
      requests.add(request);
      return (HttpResponse<T>) behaviour.send(request);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      try {
        return CompletableFuture.completedFuture(send(request, handler));
      } catch (IOException | InterruptedException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request,
        HttpResponse.BodyHandler<T> handler,
        HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
      return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
      return null;
    }

    @Override
    public SSLParameters sslParameters() {
      return null;
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return Optional.empty();
    }

    @Override
    public Version version() {
      return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
      return Optional.empty();
    }
  }

  /** A 200 answer to a request. */
  private static final class FakeResponse implements HttpResponse<String> {
    private final HttpRequest request;

    FakeResponse(HttpRequest request) {
      this.request = request;
    }

    @Override
    public int statusCode() {
      return 200;
    }

    @Override
    public HttpRequest request() {
      return request;
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
      return HttpHeaders.of(Map.of(), (n, v) -> true);
    }

    @Override
    public String body() {
      return "ok";
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public URI uri() {
      return request.uri();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
