package dev.cairn.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Cairn modules as an application on the module path sees them (decision 0095): what each
 * descriptor exports, and that the SDK's modules resolve and find their providers in a module
 * layer. The tests themselves run on the class path; this test reads the descriptors of the Cairn
 * modules found there (jars in a reactor build, {@code target/classes} otherwise).
 */
class ModuleDescriptorTest {

  /** The modules with a {@code module-info}; the others have only an automatic name. */
  private static final Set<String> NAMED =
      Set.of(
          "dev.cairn.common",
          "dev.cairn.proto",
          "dev.cairn.client",
          "dev.cairn.grpc",
          "dev.cairn.http",
          "dev.cairn.amqp",
          "dev.cairn.server.core",
          "dev.cairn.testing.clock",
          "dev.cairn.testing.tls");

  /** Jars without a descriptor and the stable name their manifest gives them. */
  private static final Set<String> AUTOMATIC =
      Set.of("dev.cairn.server.ratis", "dev.cairn.server", "dev.cairn.testing");

  /** Every module on the test class path, by name (the first of a name wins, as on a path). */
  private static final Map<String, Found> MODULES = modulesOnTheClassPath();

  record Found(ModuleReference reference, Path path) {
    ModuleDescriptor descriptor() {
      return reference.descriptor();
    }
  }

  @Test
  void everyLibraryModuleHasADescriptor() {
    Set<String> named =
        MODULES.values().stream()
            .map(Found::descriptor)
            .filter(d -> d.name().startsWith("dev.cairn.") && !d.isAutomatic())
            .map(ModuleDescriptor::name)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(named).containsExactlyInAnyOrderElementsOf(NAMED);
  }

  @Test
  void internalPackagesAreNotExported() {
    Map<String, List<String>> leaks = new TreeMap<>();
    for (String name : NAMED) {
      for (Exports e : MODULES.get(name).descriptor().exports()) {
        if (e.source().contains(".internal") && !e.isQualified()) {
          leaks.computeIfAbsent(name, k -> new ArrayList<>()).add(e.source());
        }
        if (e.isQualified()) {
          // A qualified export of an internal package goes only to a sibling Cairn module.
          assertThat(e.targets()).allMatch(t -> t.startsWith("dev.cairn."));
        }
      }
      assertThat(MODULES.get(name).descriptor().opens())
          .as("%s opens nothing (reflection into it is not needed)", name)
          .isEmpty();
    }
    assertThat(leaks).isEmpty();
  }

  @Test
  void everyPackageButTheInternalOnesIsExported() throws IOException {
    // A public package added without an export would be reachable on the class path only.
    for (String name : NAMED) {
      ModuleDescriptor d = MODULES.get(name).descriptor();
      Set<String> exported =
          d.exports().stream()
              .filter(e -> !e.isQualified())
              .map(Exports::source)
              .collect(Collectors.toSet());
      Set<String> notExported = packagesWithClasses(MODULES.get(name).reference());
      notExported.removeAll(exported);
      assertThat(notExported).as(name).allMatch(p -> p.contains(".internal"));
    }
  }

  /** Packages with classes; a directory of resources only (cairn-proto's .proto files) is none. */
  private static Set<String> packagesWithClasses(ModuleReference ref) throws IOException {
    try (var reader = ref.open();
        var entries = reader.list()) {
      return entries
          .filter(e -> e.endsWith(".class") && e.contains("/") && !e.startsWith("META-INF/"))
          .map(e -> e.substring(0, e.lastIndexOf('/')).replace('/', '.'))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void automaticModulesHaveStableNames() {
    for (String name : AUTOMATIC) {
      Found found = MODULES.get(name);
      // Built but not packaged (e.g. mvn test): a classes directory has no manifest yet.
      assumeTrue(found != null, () -> name + " is a classes directory in this build");
      assertThat(found.descriptor().isAutomatic()).as(name).isTrue();
      assertThat(found.path().getFileName().toString()).endsWith(".jar");
    }
  }

  @Test
  void grpcProvidersAreDeclaredForTheModulePathAsForTheClassPath() throws IOException {
    Found grpc = MODULES.get("dev.cairn.grpc");
    Map<String, Set<String>> provides = new TreeMap<>();
    grpc.descriptor()
        .provides()
        .forEach(p -> provides.put(p.service(), new TreeSet<>(p.providers())));
    try (var reader = grpc.reference().open()) {
      for (String service :
          List.of("io.grpc.NameResolverProvider", "io.grpc.LoadBalancerProvider")) {
        Optional<InputStream> in = reader.open("META-INF/services/" + service);
        assertThat(in).as(service).isPresent();
        Set<String> listed;
        try (InputStream s = in.get()) {
          listed =
              new String(s.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                  .lines()
                  .map(String::strip)
                  .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                  .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(provides.get(service)).as(service).isEqualTo(listed);
      }
    }
  }

  @Test
  void theSdkResolvesInAModuleLayer() throws Exception {
    // The SDK's modules and what they require, transitively, from the jars on the class path:
    // the requires name real modules, no two of them hold one package, and the layer defines.
    Set<String> roots =
        Set.of(
            "dev.cairn.grpc",
            "dev.cairn.http",
            "dev.cairn.amqp",
            "dev.cairn.server.core",
            "dev.cairn.testing.clock",
            "dev.cairn.testing.tls");
    Map<String, Path> closure = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    Set<String> system =
        ModuleFinder.ofSystem().findAll().stream()
            .map(r -> r.descriptor().name())
            .collect(Collectors.toSet());
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (closure.containsKey(name) || system.contains(name)) {
        continue;
      }
      Found found = MODULES.get(name);
      assertThat(found)
          .as("module %s, required by the SDK, is on the class path", name)
          .isNotNull();
      closure.put(name, found.path());
      for (Requires r : found.descriptor().requires()) {
        if (!r.modifiers().contains(Requires.Modifier.STATIC)) {
          todo.push(r.name());
        }
      }
    }
    ModuleLayer boot = ModuleLayer.boot();
    Configuration cf =
        boot.configuration()
            .resolve(
                ModuleFinder.of(closure.values().toArray(Path[]::new)), ModuleFinder.of(), roots);
    ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());

    Module client = layer.findModule("dev.cairn.client").orElseThrow();
    assertThat(client.isExported("dev.cairn.client")).isTrue();
    assertThat(client.isExported("dev.cairn.client.internal")).isFalse();
    assertThat(client.isExported("dev.cairn.client.lb.internal")).isFalse();
    Module core = layer.findModule("dev.cairn.server.core").orElseThrow();
    assertThat(core.isExported("dev.cairn.server.core.internal")).isFalse();

    // grpc-java's ServiceLoader look-ups find Cairn's providers through the module's provides.
    ClassLoader loader = layer.findLoader("dev.cairn.grpc");
    assertThat(providerTypes(layer, loader.loadClass("io.grpc.NameResolverProvider")))
        .contains("dev.cairn.grpc.CairnNameResolverProvider");
    assertThat(providerTypes(layer, loader.loadClass("io.grpc.LoadBalancerProvider")))
        .contains(
            "dev.cairn.grpc.internal.CairnLoadBalancerProvider$P2cEwma",
            "dev.cairn.grpc.internal.CairnLoadBalancerProvider$Weighted",
            "dev.cairn.grpc.internal.CairnLoadBalancerProvider$RingHash");
  }

  private static Set<String> providerTypes(ModuleLayer layer, Class<?> service) {
    return ServiceLoader.load(layer, service).stream()
        .map(p -> p.type().getName())
        .collect(Collectors.toSet());
  }

  private static Map<String, Found> modulesOnTheClassPath() {
    Map<String, Found> modules = new LinkedHashMap<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (Files.isDirectory(path) && !Files.exists(path.resolve("module-info.class"))) {
        continue; // a classes directory without a descriptor is no module
      }
      if (!Files.exists(path)) {
        continue;
      }
      try {
        for (ModuleReference ref : ModuleFinder.of(path).findAll()) {
          modules.putIfAbsent(ref.descriptor().name(), new Found(ref, path));
        }
      } catch (FindException e) {
        // a jar no module name can be derived for: not one of ours, and not needed by the SDK
      }
    }
    return modules;
  }
}
