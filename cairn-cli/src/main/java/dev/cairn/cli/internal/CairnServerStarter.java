package dev.cairn.cli.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts the real server through {@code dev.cairn.server.CairnServer.builder()}.
 *
 * <p>TODO(cli-embed): CairnServer is being written on another branch; until it is merged this binds
 * to it reflectively so the CLI builds on its own. Replace with direct calls once it lands.
 */
final class CairnServerStarter implements EmbeddedServer.Starter {

  private static final String SERVER_CLASS = "dev.cairn.server.CairnServer";

  @Override
  public EmbeddedServer start(ServerSettings settings) throws Exception {
    Class<?> serverClass;
    try {
      serverClass = Class.forName(SERVER_CLASS);
    } catch (ClassNotFoundException e) {
      throw new CliException(
          ExitCode.CANNOT_START, "this build of cairn has no server (" + SERVER_CLASS + ")");
    }
    Object builder = serverClass.getMethod("builder").invoke(null);
    builder = set(builder, "bind", String.class, settings.bind());
    builder = set(builder, "httpPort", int.class, settings.httpPort());
    builder = set(builder, "grpcPort", int.class, settings.grpcPort());
    if (settings.inMemory()) {
      builder = set(builder, "inMemory", boolean.class, true);
    } else {
      builder = set(builder, "dataDir", Path.class, settings.dataDir());
    }
    if (settings.detachGrace() != null) {
      builder = set(builder, "sessionDetachGrace", Duration.class, settings.detachGrace());
    }
    Object server = invoke(builder, builder.getClass().getMethod("build"));
    try {
      invoke(server, server.getClass().getMethod("start"));
    } catch (Exception e) {
      closeQuietly(server, e);
      throw e;
    }
    return new Bound(server);
  }

  private static Object set(Object builder, String name, Class<?> type, Object value)
      throws Exception {
    Method m;
    try {
      m = builder.getClass().getMethod(name, type);
    } catch (NoSuchMethodException e) {
      throw new CliException(
          ExitCode.CANNOT_START,
          "this build of the server has no setting " + name + "(" + type.getSimpleName() + ")");
    }
    return invoke(builder, m);
  }

  private static Object invoke(Object target, Method m, Object... args) throws Exception {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw e;
    }
  }

  private static void closeQuietly(Object server, Exception failure) {
    try {
      invoke(server, server.getClass().getMethod("close"));
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  /** The address a server method returned, as {@code host:port}. */
  static String hostPort(Object address) {
    if (address instanceof InetSocketAddress) {
      InetSocketAddress a = (InetSocketAddress) address;
      String host = a.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
    String s = String.valueOf(address);
    int scheme = s.indexOf("://");
    return scheme < 0 ? s : s.substring(scheme + 3);
  }

  private static final class Bound implements EmbeddedServer {
    private final Object server;

    Bound(Object server) {
      this.server = server;
    }

    @Override
    public String httpAddress() {
      return "http://" + hostPort(call("httpAddress"));
    }

    @Override
    public String grpcAddress() {
      return hostPort(call("grpcAddress"));
    }

    @Override
    public void close() {
      call("close");
    }

    private Object call(String name) {
      try {
        return invoke(server, server.getClass().getMethod(name));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(name + "() failed", e);
      }
    }
  }
}
